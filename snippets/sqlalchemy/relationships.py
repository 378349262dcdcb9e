"""Relationships in async code: load them eagerly in the query, never lazily on attribute access."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

from fastapi import Depends, FastAPI, HTTPException, Path, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import ForeignKey, String, make_url, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, joinedload, mapped_column, relationship, selectinload

DATABASE_URL = make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql+asyncpg")


class Base(DeclarativeBase): ...


# region models
class Author(Base):
    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    books: Mapped[list["Book"]] = relationship(back_populates="author")


class Book(Base):
    __tablename__ = "books"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    author: Mapped[Author] = relationship(back_populates="books")


# endregion models


class AuthorBase(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str


class BookBase(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    title: str


class AuthorOut(AuthorBase):
    books: list[BookBase]


class BookOut(BookBase):
    author: AuthorBase


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


SessionDep = Annotated[AsyncSession, Depends(get_session)]
AuthorId = Annotated[int, Path(ge=1, le=2**31 - 1)]
app = FastAPI(lifespan=lifespan)


# region eager
@app.get("/authors/{author_id}")
async def read_author(author_id: AuthorId, session: SessionDep) -> AuthorOut:
    # selectinload: one more SELECT ... WHERE author_id IN (...) for the collection
    author = await session.get(Author, author_id, options=[selectinload(Author.books)])
    if author is None:
        raise HTTPException(404, "author not found")
    return AuthorOut.model_validate(author)


@app.get("/books")
async def list_books(session: SessionDep) -> list[BookOut]:
    # joinedload: the many-to-one author comes in the same query, through a JOIN
    books = await session.scalars(select(Book).options(joinedload(Book.author)).order_by(Book.id))
    return [BookOut.model_validate(book) for book in books]


# endregion eager
# region wrong-lazy-load
@app.get("/wrong/authors/{author_id}")
async def read_author_lazily(author_id: AuthorId, session: SessionDep) -> AuthorOut:
    author = await session.get(Author, author_id)
    if author is None:
        raise HTTPException(404, "author not found")
    return AuthorOut.model_validate(author)  # WRONG: .books would load lazily: MissingGreenlet


# endregion wrong-lazy-load
