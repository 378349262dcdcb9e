"""WRONG: a session dependency that commits after `yield` commits after the response was sent."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

from fastapi import Depends, FastAPI, Request
from pydantic import BaseModel, Field
from sqlalchemy import String, UniqueConstraint, make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

DATABASE_URL = make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql+asyncpg")


class Base(DeclarativeBase):
    pass


class Booking(Base):
    __tablename__ = "bookings"
    # Checked at COMMIT, like a serialization failure or a dropped connection would surface.
    __table_args__ = (UniqueConstraint("flight", "seat", deferrable=True, initially="DEFERRED"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    flight: Mapped[str] = mapped_column(String(8))
    seat: Mapped[str] = mapped_column(String(4))


class BookingIn(BaseModel):
    flight: str = Field(min_length=1, max_length=8)
    seat: str = Field(min_length=1, max_length=4)


class State(TypedDict):
    sessionmaker: async_sessionmaker[AsyncSession]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    engine = create_async_engine(
        DATABASE_URL, pool_pre_ping=True, pool_timeout=5, connect_args={"timeout": 5, "command_timeout": 10}
    )
    try:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        yield {"sessionmaker": async_sessionmaker(engine, expire_on_commit=False)}
    finally:
        await engine.dispose()


# region wrong-commit-after-yield
async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.state.sessionmaker() as session:
        yield session
        await session.commit()  # WRONG: runs after the client already received its 201


SessionDep = Annotated[AsyncSession, Depends(get_session)]
# endregion wrong-commit-after-yield

app = FastAPI(lifespan=lifespan)


@app.post("/bookings", status_code=201)
async def book_seat(booking: BookingIn, session: SessionDep) -> BookingIn:
    session.add(Booking(**booking.model_dump()))
    return booking
