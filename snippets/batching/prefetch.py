"""Load authors with their books in two queries (selectinload), whatever the number of authors."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

from fastapi import Depends, FastAPI, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import ForeignKey, String, make_url, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload

DATABASE_URL = make_url(os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/app")).set(
    drivername="postgresql+asyncpg"
)


# region models
class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # lazy="raise": forgetting to prefetch fails loudly instead of running one query per author
    books: Mapped[list["Book"]] = relationship(back_populates="author", lazy="raise", order_by="Book.id")


class Book(Base):
    __tablename__ = "books"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"), index=True)
    author: Mapped[Author] = relationship(back_populates="books", lazy="raise")


# endregion models


class BookOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    title: str


class AuthorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
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


SessionDep = Annotated[AsyncSession, Depends(get_session)]
app = FastAPI(lifespan=lifespan)


# region route
@app.get("/authors")
async def list_authors(session: SessionDep) -> list[AuthorOut]:
    # two queries: the authors, then every book of those authors in one `WHERE author_id IN (...)`
    authors = await session.scalars(select(Author).options(selectinload(Author.books)).order_by(Author.id))
    return [AuthorOut.model_validate(author) for author in authors]


# endregion route
