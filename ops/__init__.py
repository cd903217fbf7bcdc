"""Operations helpers shared by every process of ours: logging with the request id.

Standard library only and Python 3.10 compatible, because our hooks inside Rasa (Rasa's own environment) use it
as well as the web service and the action server.
"""
