"""How a part of the settings is read: ``SERVICEDESK_*`` variables from the environment, then ``.env``, then defaults.

Each part is a frozen ``pydantic-settings`` class with its own variable prefix. :func:`read_part` builds one
from a given environment and ``.env`` file (tests pass their own); a value that does not fit is a
:class:`SettingsError` naming the variable.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BeforeValidator, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings.sources.utils import parse_env_vars

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "SERVICEDESK_"


class SettingsError(ValueError):
    """A setting has a value we cannot use; the message names the variable."""


def _project_path(value: Path) -> Path:
    """Relative paths are relative to the project folder, not to wherever a process was started."""
    return value if value.is_absolute() else ROOT / value


def _comma_list(value: Any) -> Any:
    """``"a, b,,c"`` → ``("a", "b", "c")``; lists and tuples pass through."""
    if isinstance(value, str):
        return tuple(x.strip() for x in value.split(",") if x.strip())
    return value


ProjectPath = Annotated[Path, AfterValidator(_project_path)]
CommaList = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_comma_list)]

# (environment, .env file) of the load in progress; ``None``: the process environment and ROOT/.env.
_SOURCE: ContextVar[tuple[Mapping[str, str] | None, Path] | None] = ContextVar("settings_source", default=None)


class _MappingSource(EnvSettingsSource):
    """Variables from a given mapping instead of ``os.environ`` (tests, child-process settings)."""

    def __init__(self, settings_cls: type[BaseSettings], mapping: Mapping[str, str]) -> None:
        self._mapping = mapping
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(dict(self._mapping), self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str)


class Part(BaseSettings):
    """One frozen section of the settings; subclasses set ``env_prefix`` when their names share one."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX,
        frozen=True,
        extra="ignore",
        env_ignore_empty=True,
        case_sensitive=False,
        validate_default=True,
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Keyword arguments first, then the environment, then the ``.env`` file."""
        source = _SOURCE.get()
        env, dotenv = source if source is not None else (None, ROOT / ".env")
        environment = _MappingSource(settings_cls, env) if env is not None else env_settings
        return (
            init_settings,
            environment,
            DotEnvSettingsSource(settings_cls, env_file=dotenv, env_file_encoding="utf-8"),
        )

    @classmethod
    def variable(cls, field: str) -> str:
        """The environment variable a field is read from."""
        info = cls.model_fields[field]
        alias = info.validation_alias
        if isinstance(alias, str):
            return alias.upper()
        return f"{cls.model_config.get('env_prefix', PREFIX)}{field}".upper()

    def variables(self, secrets: bool = True) -> dict[str, str]:
        """This part as environment variables (``secrets=False`` leaves out the secret ones)."""
        out: dict[str, str] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, Part):
                out.update(value.variables(secrets))
                continue
            if isinstance(value, SecretStr):
                if not secrets:
                    continue
                value = value.get_secret_value()
            out[type(self).variable(name)] = _as_text(value)
        return out

    @classmethod
    def secret_variables(cls) -> frozenset[str]:
        """Variables of this part that hold secrets (marked once: by their type, ``SecretStr``)."""
        found: set[str] = set()
        for name, info in cls.model_fields.items():
            kind = info.annotation
            if isinstance(kind, type) and issubclass(kind, Part):
                found |= kind.secret_variables()
            elif kind is SecretStr:
                found.add(cls.variable(name))
        return frozenset(found)


def _as_text(value: Any) -> str:
    if isinstance(value, tuple | frozenset | list):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


P = TypeVar("P", bound=Part)


@contextmanager
def reading(env: Mapping[str, str] | None, dotenv: Path | None) -> Iterator[None]:
    """Parts built inside read ``env`` (``None``: the process environment) and ``dotenv`` (default ROOT/.env)."""
    token = _SOURCE.set((env, dotenv if dotenv is not None else ROOT / ".env"))
    try:
        yield
    finally:
        _SOURCE.reset(token)


def read_part(cls: type[P], **given: Any) -> P:
    """Build one part; a :class:`SettingsError` names each variable that does not fit."""
    try:
        return cls(**given)
    except ValidationError as exc:
        raise SettingsError("; ".join(_describe(cls, e) for e in exc.errors())) from None


def _describe(cls: type[Part], error: Any) -> str:
    loc = [str(x) for x in error.get("loc", ()) if isinstance(x, str)]
    message = str(error.get("msg", "invalid"))
    if not loc:
        return message.removeprefix("Value error, ")
    field = loc[0]
    name = cls.variable(field) if field in cls.model_fields else f"{PREFIX}{field.upper()}"
    value = error.get("input")
    secret = field in cls.model_fields and cls.model_fields[field].annotation is SecretStr
    shown = "" if value is None or isinstance(value, dict) or secret else f"={value!r}"
    return f"{name}{shown}: {message.removeprefix('Value error, ')}"
