"""Commit before the response: a dependency with scope="function", or a commit in the endpoint."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import String, UniqueConstraint, exc, make_url
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


app = FastAPI(lifespan=lifespan)


@app.exception_handler(exc.IntegrityError)
async def conflict(request: Request, error: exc.IntegrityError) -> JSONResponse:
    return JSONResponse({"detail": "seat already booked"}, status_code=409)


# region function-scope
async def get_transaction(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.state.sessionmaker.begin() as session:
        yield session  # commits on leaving, rolls back if the endpoint raised


# scope="function": the code after `yield` runs before the response is sent, so its errors reach it
TransactionDep = Annotated[AsyncSession, Depends(get_transaction, scope="function")]


@app.post("/bookings", status_code=201)
async def book_seat(booking: BookingIn, session: TransactionDep) -> BookingIn:
    session.add(Booking(**booking.model_dump()))
    return booking  # the commit (and an IntegrityError -> 409) happens before this is sent


# endregion function-scope


# region commit-in-endpoint
async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.state.sessionmaker() as session:
        yield session


@app.post("/v2/bookings", status_code=201)
async def book_seat_v2(
    booking: BookingIn, session: Annotated[AsyncSession, Depends(get_session)]
) -> BookingIn:
    session.add(Booking(**booking.model_dump()))
    try:
        await session.commit()
    except exc.IntegrityError:
        raise HTTPException(409, "seat already booked") from None
    return booking


# endregion commit-in-endpoint
