"""Service-desk records shared by the action server and the web service.

Plain library: conversations and their messages, escalations, tickets, staff accounts. No Rasa, no Sanic.
"""
