"""Tortoise ORM on PostgreSQL: RegisterTortoise in the lifespan, one transaction per write, 404/409/503."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated
from urllib.parse import urlencode, urlsplit, urlunsplit

from fastapi import FastAPI, HTTPException, Path, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from tortoise import fields
from tortoise.contrib.fastapi import RegisterTortoise
from tortoise.exceptions import IntegrityError
from tortoise.models import Model
from tortoise.transactions import in_transaction

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/app")


# region models
class Team(Model):
    id = fields.IntField(primary_key=True)  # `pk=True` is deprecated
    name = fields.CharField(max_length=100, unique=True)
    members: fields.ReverseRelation["Member"]


class Member(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="members", on_delete=fields.CASCADE
    )


# endregion models
# region schemas
Email = Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")]
TeamId = Annotated[int, Path(ge=1, le=2**31 - 1)]  # PostgreSQL `integer`: larger ids would be a 500


class TeamIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    members: list[Email] = Field(default=[], max_length=50)


class TeamOut(BaseModel):
    id: int
    name: str
    members: list[str]

    @classmethod
    def of(cls, team: Team) -> "TeamOut":  # `team.members` must be fetched already
        return cls(id=team.id, name=team.name, members=sorted(m.email for m in team.members))


# endregion schemas
# region lifespan
def tortoise_url(url: str) -> str:
    """postgresql://... -> asyncpg://... with a connect timeout, a query timeout and a pool cap."""
    parts = urlsplit(url)
    limits = urlencode({"timeout": 5, "command_timeout": 10, "maxsize": 10})
    return urlunsplit(parts._replace(scheme="asyncpg", query="&".join(filter(None, [parts.query, limits]))))


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Creates the pool lazily, closes every connection on shutdown. Tables come from migrations.
    async with RegisterTortoise(app, db_url=tortoise_url(DATABASE_URL), modules={"models": [__name__]}):
        yield


# endregion lifespan
# region errors
async def conflict(request: Request, exc: Exception) -> JSONResponse:
    # Never echo the database's message: it names constraints and values.
    return JSONResponse({"detail": "conflicts with existing data"}, status_code=status.HTTP_409_CONFLICT)


async def unavailable(request: Request, exc: Exception) -> JSONResponse:
    # asyncpg raises OSError (refused, unreachable, connect timeout) when it cannot reach the server.
    return JSONResponse({"detail": "database unavailable"}, status_code=status.HTTP_503_SERVICE_UNAVAILABLE)


app = FastAPI(lifespan=lifespan, exception_handlers={IntegrityError: conflict, OSError: unavailable})
# endregion errors


# region routes
@app.post("/teams", status_code=status.HTTP_201_CREATED)
async def create_team(body: TeamIn) -> TeamOut:
    async with in_transaction():  # one failure rolls back the team and every member
        team = await Team.create(name=body.name)
        for email in body.members:
            await Member.create(email=email, team=team)
    await team.fetch_related("members")
    return TeamOut.of(team)


@app.get("/teams/{team_id}")
async def read_team(team_id: TeamId) -> TeamOut:
    team = await Team.get_or_none(id=team_id).prefetch_related("members")
    if team is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "team not found")
    return TeamOut.of(team)


# endregion routes
