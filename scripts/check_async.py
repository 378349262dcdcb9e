"""Report blocking calls inside `async def` functions: they stall the event loop and every request with it.

Usage: check_async.py PATH [PATH ...]   (files, or folders searched recursively for *.py)

Each finding is printed as `path:line:col: message`. Flagged inside `async def` (not in plain `def`):
time.sleep; requests, sync httpx (httpx.get, httpx.Client) and urllib calls; open() and other file
reads and writes (Path.read_text, os.read, shutil.copy); subprocess and os.system; blocking socket
calls; sync database clients (sqlite3, psycopg, psycopg2, pymongo.MongoClient, sync redis, SQLAlchemy's
create_engine); input(). Import aliases are followed (`from time import sleep as pause`), and so are
names bound to a sync client (`session = requests.Session()` then `session.get(...)`) and parameters
annotated with one (`db: Session`, `Annotated[Session, Depends(get_db)]`, or an alias of that).
A call to a sync function defined at module level in the same file is flagged when that function
blocks, directly or through another such function.

Not flagged: code in plain `def` (a sync function nested in an `async def` included), awaited
method calls (`await anyio.Path(p).read_text()`), and work handed to a thread: the function or lambda
passed to `asyncio.to_thread`, `anyio.to_thread.run_sync`, `run_in_threadpool` or
`loop.run_in_executor` (`await asyncio.to_thread(time.sleep, 1)` is fine).

Silence one line with a `# check-async: ignore` comment on the line the report names.

The check is syntactic: it cannot see blocking code inside functions imported from other modules or
methods, nor follow objects through return values, containers or attributes set in other modules.

Exit codes: 0 nothing found, 1 blocking calls found, 2 unreadable input or a syntax error.
"""

from __future__ import annotations

import argparse
import ast
import io
import os
import re
import sys
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

IGNORE_COMMENT = re.compile(r"#\s*check-async:\s*ignore\b")

SLEEP = "use await asyncio.sleep() (or anyio.sleep())"
HTTP = "use a shared httpx.AsyncClient and await its calls"
FILE = "use anyio.Path or anyio.open_file, or hand the work to a thread (asyncio.to_thread)"
PROCESS = "use asyncio.create_subprocess_exec or anyio.run_process"
SOCKET = "use asyncio streams (asyncio.open_connection) or the loop's sock_* and getaddrinfo methods"
DATABASE = (
    "use an async driver (asyncpg, create_async_engine, AsyncMongoClient, redis.asyncio) or a plain def"
)
INPUT = "an event loop must never wait on a terminal"

HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request", "stream")

# Fully qualified name of a blocking callable -> advice.
BLOCKING: dict[str, str] = {
    "time.sleep": SLEEP,
    **{f"requests.{verb}": HTTP for verb in HTTP_VERBS},
    **{f"requests.api.{verb}": HTTP for verb in HTTP_VERBS},
    **{f"httpx.{verb}": HTTP for verb in HTTP_VERBS},
    "urllib.request.urlopen": HTTP,
    "urllib.request.urlretrieve": HTTP,
    "urllib3.request": HTTP,
    "builtins.open": FILE,
    "io.open": FILE,
    "codecs.open": FILE,
    "gzip.open": FILE,
    "bz2.open": FILE,
    "lzma.open": FILE,
    "tarfile.open": FILE,
    "zipfile.ZipFile": FILE,
    **{f"os.{name}": FILE for name in ("read", "write", "pread", "pwrite", "fsync", "sendfile", "walk")},
    **{f"shutil.{name}": FILE for name in ("copy", "copy2", "copyfile", "copytree", "move", "rmtree")},
    **{
        f"subprocess.{name}": PROCESS
        for name in ("run", "call", "check_call", "check_output", "getoutput", "getstatusoutput")
    },
    **{f"os.{name}": PROCESS for name in ("system", "popen", "wait", "waitpid", "wait3", "wait4")},
    **{
        f"socket.{name}": SOCKET
        for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr", "getfqdn")
    },
    "builtins.input": INPUT,
    "getpass.getpass": INPUT,
}


# Methods read_text, ... -> how many positional arguments pathlib.Path's takes. `.open()` is too common a
# name to guess from: it counts only on a pathlib.Path (`Path(p).open()`, `path.open()` with `path: Path`).
FILE_METHODS = {
    "read_text": range(3),
    "read_bytes": range(1),
    "write_text": range(1, 5),
    "write_bytes": range(1, 2),
}


# Constructors of sync objects: calls on a name bound to one of these are checked.
@dataclass(frozen=True)
class SyncObject:
    advice: str
    methods: frozenset[str] | None = None  # the methods that block; None: all of them
    creation_blocks: bool = True  # report the constructor call itself
    annotated: bool = True  # follow parameters annotated with this type


SOCKET_METHODS = frozenset(
    {"accept", "connect", "recv", "recv_into", "recvfrom", "recvfrom_into", "recvmsg"}
    | {"send", "sendall", "sendto", "sendmsg", "sendfile"}
)
SYNC_OBJECTS: dict[str, SyncObject] = {
    "requests.Session": SyncObject(HTTP),
    "requests.session": SyncObject(HTTP),
    "httpx.Client": SyncObject(HTTP),
    "urllib3.PoolManager": SyncObject(HTTP),
    "subprocess.Popen": SyncObject(PROCESS, frozenset({"wait", "communicate"}), creation_blocks=False),
    # A socket passed around async code is usually non-blocking already: follow only new ones.
    "socket.socket": SyncObject(SOCKET, SOCKET_METHODS, creation_blocks=False, annotated=False),
    "socket.create_connection": SyncObject(SOCKET, SOCKET_METHODS),
    "pathlib.Path": SyncObject(FILE, frozenset({*FILE_METHODS, "open"}), creation_blocks=False),
    **{
        name: SyncObject(DATABASE)
        for name in (
            "sqlite3.connect",
            "psycopg.connect",
            "psycopg.Connection.connect",
            "psycopg_pool.ConnectionPool",
            "psycopg2.connect",
            "psycopg2.pool.SimpleConnectionPool",
            "psycopg2.pool.ThreadedConnectionPool",
            "pymongo.MongoClient",
            "pymongo.mongo_client.MongoClient",
            "redis.Redis",
            "redis.StrictRedis",
            "redis.from_url",
            "redis.Redis.from_url",
            "redis.client.Redis",
            "redis.ConnectionPool",
            "sqlalchemy.create_engine",
            "pymysql.connect",
            "mysql.connector.connect",
        )
    },
    # Types: a parameter annotated with one (`db: Session`, `Annotated[Session, Depends(...)]`) is checked.
    **{
        name: SyncObject(DATABASE, creation_blocks=False)
        for name in (
            "sqlalchemy.orm.Session",
            "sqlalchemy.orm.session.Session",
            "sqlalchemy.Engine",
            "sqlalchemy.engine.Engine",
            "sqlalchemy.Connection",
            "sqlalchemy.engine.Connection",
            "sqlite3.Connection",
            "psycopg.Connection",
            "pymongo.database.Database",
            "pymongo.collection.Collection",
        )
    },
}

# Methods that read or write a file when called on a path-like object (pathlib.Path, a zip file...).
# Awaited calls are skipped: anyio.Path and aiopath have the same method names.
# Calls that run a callable in a worker thread: lambdas passed to them are not checked.
THREAD_CALLS = frozenset(
    {
        "asyncio.to_thread",
        "anyio.to_thread.run_sync",
        "starlette.concurrency.run_in_threadpool",
        "fastapi.concurrency.run_in_threadpool",
    }
)
THREAD_METHODS = frozenset({"run_in_executor", "submit"})  # loop.run_in_executor, executor.submit

# Calls that take a coroutine object: an async method call passed to them runs as a coroutine.
COROUTINE_TAKERS = frozenset({"create_task", "ensure_future", "gather", "wait_for", "shield"})


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    col: int
    message: str
    call: str = field(default="", compare=False)  # the call as written: `pause()`
    advice: str = field(default="", compare=False)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class Binding(NamedTuple):
    kind: str  # a key of SYNC_OBJECTS
    origin: str  # for messages: " = requests.Session(...)", ": sqlalchemy.orm.Session"


class InputError(Exception):
    """Input that cannot be checked: exit code 2."""


def import_aliases(tree: ast.Module) -> dict[str, str]:
    """Map each name bound by an import anywhere in the module to the dotted name it stands for."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    root = alias.name.partition(".")[0]
                    aliases[root] = root
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            for alias in node.names:
                if alias.name != "*":
                    aliases[alias.asname or alias.name] = f"{module}.{alias.name}"
    return aliases


def module_level_names(tree: ast.Module) -> set[str]:
    """Names that functions, classes or assignments at module level bind (they shadow builtins)."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def ignored_lines(source: str) -> set[int]:
    """Lines carrying a `# check-async: ignore` comment (a real comment, not text in a string)."""
    lines = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT and IGNORE_COMMENT.search(token.string):
            lines.add(token.start[0])
    return lines


class Checker(ast.NodeVisitor):
    def __init__(self, path: str, tree: ast.Module, ignored: set[int]) -> None:
        self.path = path
        self.ignored = ignored
        self.aliases = import_aliases(tree)
        shadowed = module_level_names(tree)
        self.builtins = {name for name in ("open", "input") if name not in shadowed}
        self.type_aliases = {
            target.id: node.value
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name) and node.value is not None
        }
        self.findings: list[Finding] = []
        self.async_function: str | None = None  # innermost enclosing async def, None in sync code
        # Sync objects bound to a name or attribute: innermost scope last; None marks a rebinding.
        self.scopes: list[dict[str, Binding | None]] = [self._module_objects(tree)]
        self.awaited: set[int] = set()  # ids of calls whose result is awaited or run as a coroutine
        self.in_thread: set[int] = set()  # ids of lambdas handed to a thread
        # Module-level sync functions that block when called -> the first blocking call inside them.
        self.blocking_helpers: dict[str, Finding] = {}

    # --- names -----------------------------------------------------------------------------------

    def qualified_name(self, node: ast.expr) -> str | None:
        """`t.sleep` -> `time.sleep` after `import time as t`; None unless rooted at an import or builtin."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        if node.id in self.aliases:
            root = self.aliases[node.id]
        elif node.id in self.builtins:
            root = f"builtins.{node.id}"
        else:
            return None
        return ".".join([root, *reversed(parts)])

    def sync_object(self, value: ast.expr | None) -> Binding | None:
        """The binding `x = <value>` makes when value creates a sync object (`requests.Session()`)."""
        if isinstance(value, ast.Call):
            name = self.qualified_name(value.func)
            if name in SYNC_OBJECTS:
                return Binding(name, f" = {name}(...)")
        return None

    def sync_type(self, annotation: ast.expr | None, depth: int = 0) -> Binding | None:
        """The binding a parameter annotated with a sync type makes.

        Understands `db: Session`, `Session | None`, `Annotated[Session, Depends(get_db)]` and a
        module-level alias of those (`SessionDep = Annotated[Session, Depends(get_db)]`).
        """
        if annotation is None or depth > 5:
            return None
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                annotation = ast.parse(annotation.value, mode="eval").body
            except SyntaxError:
                return None
        inner: list[ast.expr] = []
        if isinstance(annotation, ast.BinOp):  # Session | None
            inner = [annotation.left, annotation.right]
        elif isinstance(annotation, ast.Subscript):
            generic = annotation.value
            generic_name = generic.attr if isinstance(generic, ast.Attribute) else getattr(generic, "id", "")
            arguments = (
                annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
            )
            if generic_name == "Annotated":
                inner = arguments[:1]
            elif generic_name in ("Optional", "Union"):
                inner = arguments
        elif isinstance(annotation, ast.Name) and annotation.id in self.type_aliases:
            inner = [self.type_aliases[annotation.id]]
        else:
            name = self.qualified_name(annotation)
            return (
                Binding(name, f": {name}") if name in SYNC_OBJECTS and SYNC_OBJECTS[name].annotated else None
            )
        for expr in inner:
            binding = self.sync_type(expr, depth + 1)
            if binding:
                return binding
        return None

    def _module_objects(self, tree: ast.Module) -> dict[str, Binding | None]:
        """Sync objects bound at module level, in class bodies (as self.x) or to any attribute."""
        objects: dict[str, Binding | None] = {}

        def bind(target: ast.expr, value: ast.expr | None, class_level: bool = False) -> None:
            kind = self.sync_object(value)
            if kind is None:
                return
            if isinstance(target, ast.Attribute):
                objects[ast.unparse(target)] = kind
            elif isinstance(target, ast.Name) and class_level:
                objects[f"self.{target.id}"] = objects[f"cls.{target.id}"] = kind

        def walk(body: list[ast.stmt], class_level: bool) -> None:
            for node in body:
                for target, value in assignments(node):
                    if isinstance(target, ast.Name) and not class_level:
                        kind = self.sync_object(value)
                        if kind:
                            objects[target.id] = kind
                    else:
                        bind(target, value, class_level)
                if isinstance(node, ast.ClassDef):
                    walk(node.body, class_level=True)
                elif isinstance(node, ast.If | ast.Try | ast.With):
                    walk(
                        [s for field in ("body", "orelse", "finalbody") for s in getattr(node, field, [])],
                        class_level,
                    )

        walk(tree.body, class_level=False)
        for node in ast.walk(tree):  # self.client = httpx.Client() inside any method
            if not isinstance(node, ast.ClassDef | ast.Module):
                for target, value in assignments(node):
                    if isinstance(target, ast.Attribute):
                        bind(target, value)
        return objects

    def bound_object(self, receiver: ast.expr) -> Binding | None:
        text = ast.unparse(receiver)
        for scope in reversed(self.scopes):
            if text in scope:
                return scope[text]
        return None

    # --- scopes ----------------------------------------------------------------------------------

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, async_name: str | None) -> None:
        # Decorators and defaults run in the enclosing scope; only the body belongs to the function.
        for expr in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
            if expr is not None:
                self.visit(expr)
        outer = self.async_function
        self.async_function = async_name
        arguments = node.args
        self.scopes.append(
            {
                parameter.arg: self.sync_type(parameter.annotation)
                for parameter in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
            }
        )
        for statement in node.body:
            self.visit(statement)
        self.scopes.pop()
        self.async_function = outer

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._visit_function(node, None)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._visit_function(node, node.name)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        for expr in [*node.args.defaults, *node.args.kw_defaults]:
            if expr is not None:
                self.visit(expr)
        if id(node) in self.in_thread:
            outer, self.async_function = self.async_function, None
            self.visit(node.body)
            self.async_function = outer
        else:
            self.visit(node.body)  # a lambda runs where it is called: usually right here

    # --- bindings --------------------------------------------------------------------------------

    def _bind_locals(self, node: ast.stmt) -> None:
        scope = self.scopes[-1]
        if len(self.scopes) == 1:
            return  # module level: collected up front
        for target, value in assignments(node):
            if isinstance(target, ast.Name):
                scope[target.id] = self.sync_object(value)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.generic_visit(node)
        self._bind_locals(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.generic_visit(node)
        self._bind_locals(node)

    def visit_With(self, node: ast.With) -> None:
        for item in node.items:
            self.visit(item)
        self._bind_locals(node)
        for statement in node.body:
            self.visit(statement)

    # --- awaiting --------------------------------------------------------------------------------

    def visit_Await(self, node: ast.Await) -> None:
        if isinstance(node.value, ast.Call):
            self.awaited.add(id(node.value))
        self.generic_visit(node)

    def visit_AsyncWith(self, node: ast.AsyncWith) -> None:
        for item in node.items:
            if isinstance(item.context_expr, ast.Call):
                self.awaited.add(id(item.context_expr))
            self.visit(item)
        self._bind_locals(node)
        for statement in node.body:
            self.visit(statement)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        if isinstance(node.iter, ast.Call):
            self.awaited.add(id(node.iter))
        self.generic_visit(node)

    # --- calls -----------------------------------------------------------------------------------

    def visit_Call(self, node: ast.Call) -> None:
        name = self.qualified_name(node.func)
        last = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        arguments = [*node.args, *(keyword.value for keyword in node.keywords)]
        if name in THREAD_CALLS or last in THREAD_METHODS:
            self.in_thread.update(id(arg) for arg in arguments if isinstance(arg, ast.Lambda))
        if last == "setblocking" and isinstance(node.func, ast.Attribute):  # sock.setblocking(False)
            self.scopes[-1][ast.unparse(node.func.value)] = None
        if last in COROUTINE_TAKERS:
            self.awaited.update(id(arg) for arg in arguments if isinstance(arg, ast.Call))
        if self.async_function is not None and node.lineno not in self.ignored:
            self.check_call(node, name)
        self.generic_visit(node)

    def check_call(self, node: ast.Call, name: str | None) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in self.blocking_helpers:
            cause = self.blocking_helpers[node.func.id]
            self.report(node, None, cause.advice, what=f"calls {cause.call} (line {cause.line})")
            return
        if name in BLOCKING:
            self.report(node, name, BLOCKING[name])
            return
        if name in SYNC_OBJECTS:
            if SYNC_OBJECTS[name].creation_blocks:
                self.report(node, name, SYNC_OBJECTS[name].advice, what="creates a blocking client")
            return
        if not isinstance(node.func, ast.Attribute) or id(node) in self.awaited:
            return
        method = node.func.attr
        receiver: ast.expr = node.func.value
        direct = True
        while True:  # client.get(), client.db.users.find_one(), proc.wait()
            binding = self.bound_object(receiver)
            if binding is not None:
                sync_object = SYNC_OBJECTS[binding.kind]
                if sync_object.methods is None or (direct and method in sync_object.methods):
                    what = f"blocks ({ast.unparse(receiver)}{binding.origin})"
                    self.report(node, None, sync_object.advice, what=what)
                return
            if not isinstance(receiver, ast.Attribute | ast.Subscript):
                break
            receiver, direct = receiver.value, False
        on_path = name is not None and name.startswith("pathlib.")  # Path.read_text(p)
        if isinstance(receiver, ast.Call):  # Path(p).open()
            on_path |= (self.qualified_name(receiver.func) or "").startswith("pathlib.")
        looks_like_path = method in FILE_METHODS and len(node.args) in FILE_METHODS[method] and name is None
        if looks_like_path or (on_path and (method in FILE_METHODS or method == "open")):
            self.report(node, None, FILE, what="blocks (file I/O)")

    def report(self, node: ast.Call, name: str | None, advice: str, what: str = "blocks") -> None:
        written = ast.unparse(node.func)
        if len(written) > 60:
            written = "..." + written[-57:]
        label = f"{written}()"
        if name and name != written and not name.startswith("builtins."):
            label += f" ({name})"
        message = f"{label} {what} in async def {self.async_function}(): {advice}"
        self.findings.append(
            Finding(self.path, node.lineno, node.col_offset + 1, message, f"{written}()", advice)
        )

    def find_blocking_helpers(self, tree: ast.Module) -> None:
        """Find the module-level sync functions that block, directly or through one another.

        Each is checked as if it were async; repeat until no new one turns up.
        """
        functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
        found = True
        while found:
            found = False
            for function in functions:
                if function.name in self.blocking_helpers:
                    continue
                self.findings = []
                self._visit_function(function, function.name)
                if self.findings:
                    self.blocking_helpers[function.name] = min(self.findings)
                    found = True
        self.findings = []


def assignments(node: ast.AST) -> Iterator[tuple[ast.expr, ast.expr | None]]:
    """(target, value) pairs a statement binds: `x = ...`, `x: T = ...`, `with ... as x`."""
    if isinstance(node, ast.Assign):
        for target in node.targets:
            yield target, node.value
    elif isinstance(node, ast.AnnAssign):
        yield node.target, node.value
    elif isinstance(node, ast.With | ast.AsyncWith):
        for item in node.items:
            if item.optional_vars is not None:
                yield item.optional_vars, item.context_expr


def check_source(source: str, path: str = "<string>") -> list[Finding]:
    """Findings for one module's source; raises SyntaxError (or ValueError for null bytes)."""
    tree = ast.parse(source, filename=path)
    checker = Checker(path, tree, ignored_lines(source))
    checker.find_blocking_helpers(tree)
    checker.visit(tree)
    return sorted(checker.findings)


def check_file(path: Path) -> list[Finding]:
    try:
        with tokenize.open(path) as file:  # honours an encoding cookie, like Python itself
            source = file.read()
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise InputError(f"{path}: error: cannot read: {reason}") from None
    except SyntaxError as error:  # a bad encoding cookie
        raise InputError(f"{path}: error: cannot read: {error.msg}") from None
    try:
        return check_source(source, str(path))
    except SyntaxError as error:
        where = f"{path}:{error.lineno}:{error.offset or 1}" if error.lineno else str(path)
        raise InputError(f"{where}: error: syntax error: {error.msg}") from None
    except ValueError as error:  # null bytes on Python 3.11
        raise InputError(f"{path}: error: syntax error: {error}") from None


def python_files(path: Path) -> list[Path]:
    """The file itself, or the *.py files under a folder (skipping hidden folders and virtualenvs)."""
    if not path.exists():
        raise InputError(f"{path}: error: no such file or directory")
    if not path.is_dir():
        return [path]
    found = []
    for folder, subfolders, files in os.walk(path):
        subfolders[:] = sorted(
            name
            for name in subfolders
            if not name.startswith(".")
            and name != "__pycache__"
            and not (Path(folder, name) / "pyvenv.cfg").exists()
        )
        found += [Path(folder, name) for name in sorted(files) if name.endswith(".py")]
    if not found:
        raise InputError(f"{path}: error: no Python files found")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="check_async.py",
        description=__doc__.split("\n\n", 1)[0],
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="Python files or folders")
    args = parser.parse_args(argv)
    errors = 0
    findings: list[Finding] = []
    for root in args.paths:
        try:
            files = python_files(root)
        except InputError as error:
            print(error, file=sys.stderr)
            errors += 1
            continue
        for file in files:
            try:
                findings += check_file(file)
            except InputError as error:
                print(error, file=sys.stderr)
                errors += 1
    for finding in findings:
        print(finding)
    if findings:
        print(f"{len(findings)} blocking call(s) inside async def", file=sys.stderr)
    return 2 if errors else 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
