"""WRONG: one query for the authors, then one more per author for the books (N+1)."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

from fastapi import Depends, FastAPI, Request
from pydantic import BaseModel
from sqlalchemy import ForeignKey, String, make_url, select
from sqlalchemy.ext.asyncio import AsyncAttrs, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

DATABASE_URL = make_url(os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/app")).set(
    drivername="postgresql+asyncpg"
)


class Base(AsyncAttrs, DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    books: Mapped[list["Book"]] = relationship(order_by="Book.id")  # lazy="select": loads on access


class Book(Base):
    __tablename__ = "books"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"), index=True)


class BookOut(BaseModel):
    id: int
    title: str


class AuthorOut(BaseModel):
    id: int
    name: str
    books: list[BookOut]


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


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.state.sessionmaker() as session:
        yield session


app = FastAPI(lifespan=lifespan)


# region wrong-query-per-row
@app.get("/authors")
async def list_authors(session: Annotated[AsyncSession, Depends(get_session)]) -> list[AuthorOut]:
    authors = await session.scalars(select(Author).order_by(Author.id))
    result = []
    for author in authors:
        books = await author.awaitable_attrs.books  # WRONG: one SELECT per author
        result.append(
            AuthorOut(id=author.id, name=author.name, books=[BookOut(id=b.id, title=b.title) for b in books])
        )
    return result


# endregion wrong-query-per-row
