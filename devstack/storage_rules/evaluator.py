"""A Cloud Storage for Firebase security rules evaluator: parser and interpreter.

It covers the rules language that storage rules use in practice (the language reference,
firebase.google.com/docs/rules/rules-language, checked 2026-12-04): `rules_version`,
`service firebase.storage`, nested `match` blocks with `{var}` and `{var=**}` wildcards,
`allow <methods>[: if <expr>]` for read/write and get/list/create/update/delete, `function`
declarations with `let` bindings, and expressions over `request`, `resource`, path variables
and literals (`&&`, `||`, `!`, comparisons, `in`, `is`, arithmetic, ternary, lists, maps,
member and index access, string/list/map/path methods). Anything else fails to load, or
evaluates to an error, which denies, as the real runtime does: it never allows by accident.
Not covered: `firestore.get/exists` (cross-service rules), `duration`/`timestamp`/`math`
namespaces beyond `request.time` comparisons.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

READ_METHODS = {"get", "list"}
WRITE_METHODS = {"create", "update", "delete"}
METHOD_GROUPS = {"read": READ_METHODS, "write": WRITE_METHODS}
ALL_METHODS = READ_METHODS | WRITE_METHODS | set(METHOD_GROUPS)


class RulesError(Exception):
    """A rules file that does not parse, or an expression that cannot be evaluated."""


# ---------------------------------------------------------------- tokens

TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+|//[^\n]*|/\*.*?\*/)
  | (?P<float>\d+\.\d+)
  | (?P<int>\d+)
  | (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|&&|\|\||=\*\*|[{}()\[\].,;:?!<>=+\-*/%])
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Tok:
    kind: str
    text: str
    line: int


def tokenize(src: str) -> list[Tok]:
    out: list[Tok] = []
    pos, line = 0, 1
    while pos < len(src):
        m = TOKEN_RE.match(src, pos)
        if not m:
            raise RulesError(f"line {line}: unexpected character {src[pos]!r}")
        kind = m.lastgroup or ""
        text = m.group()
        if kind != "ws":
            out.append(Tok(kind, text, line))
        line += text.count("\n")
        pos = m.end()
    out.append(Tok("eof", "", line))
    return out


# ---------------------------------------------------------------- syntax tree

Expr = tuple[Any, ...]  # ("lit", v) ("id", name) ("get", e, name) ("idx", e, i) ...


@dataclass
class Function:
    params: list[str]
    lets: list[tuple[str, Expr]]
    body: Expr


@dataclass
class Allow:
    methods: set[str]
    condition: Expr | None


@dataclass
class Match:
    segments: list[str]  # literal, "{x}" or "{x=**}"
    allows: list[Allow] = field(default_factory=list)
    children: list[Match] = field(default_factory=list)
    functions: dict[str, Function] = field(default_factory=dict)


@dataclass
class Ruleset:
    version: int
    root: Match  # the service block: functions and top-level matches


class Parser:
    def __init__(self, src: str) -> None:
        self.toks = tokenize(src)
        self.i = 0

    def peek(self, ahead: int = 0) -> Tok:
        return self.toks[min(self.i + ahead, len(self.toks) - 1)]

    def take(self, text: str | None = None, kind: str | None = None) -> Tok:
        tok = self.peek()
        if (text is not None and tok.text != text) or (kind is not None and tok.kind != kind):
            want = text or kind
            raise RulesError(f"line {tok.line}: expected {want!r}, found {tok.text or 'end'!r}")
        self.i += 1
        return tok

    def accept(self, text: str) -> bool:
        if self.peek().text == text and self.peek().kind != "str":
            self.i += 1
            return True
        return False

    # -- declarations
    def ruleset(self) -> Ruleset:
        version = 1
        if self.peek().text == "rules_version":
            self.take()
            self.take("=")
            version = int(self.take(kind="str").text[1:-1])
            self.accept(";")
        self.take("service")
        name = self.take(kind="name").text
        while self.accept("."):
            name += "." + self.take(kind="name").text
        if name != "firebase.storage":
            raise RulesError(f"service {name} is not firebase.storage")
        root = Match(segments=[])
        self.block(root)
        self.take(kind="eof")
        return Ruleset(version, root)

    def block(self, into: Match) -> None:
        self.take("{")
        while not self.accept("}"):
            word = self.peek().text
            if word == "match":
                into.children.append(self.match())
            elif word == "allow":
                into.allows.append(self.allow())
            elif word == "function":
                self.take()
                fname = self.take(kind="name").text
                into.functions[fname] = self.function()
            else:
                raise RulesError(f"line {self.peek().line}: unexpected {word!r}")

    def match(self) -> Match:
        self.take("match")
        segments: list[str] = []
        while self.accept("/"):
            if self.accept("{"):
                var = self.take(kind="name").text
                segments.append("{" + var + ("=**}" if self.accept("=**") else "}"))
                self.take("}")
            else:
                seg = ""
                while self.peek().kind in ("name", "int") or self.peek().text in ("-", "."):
                    seg += self.take().text
                if not seg:
                    raise RulesError(f"line {self.peek().line}: empty path segment")
                segments.append(seg)
        node = Match(segments=segments)
        self.block(node)
        return node

    def allow(self) -> Allow:
        self.take("allow")
        methods = {self.take(kind="name").text}
        while self.accept(","):
            methods.add(self.take(kind="name").text)
        unknown = methods - ALL_METHODS
        if unknown:
            raise RulesError(f"unknown method(s) {sorted(unknown)}")
        condition = None
        if self.accept(":"):
            self.take("if")
            condition = self.expr()
        self.accept(";")
        return Allow(methods, condition)

    def function(self) -> Function:
        self.take("(")
        params: list[str] = []
        while not self.accept(")"):
            params.append(self.take(kind="name").text)
            self.accept(",")
        self.take("{")
        lets: list[tuple[str, Expr]] = []
        while self.accept("let"):
            lname = self.take(kind="name").text
            self.take("=")
            lets.append((lname, self.expr()))
            self.accept(";")
        self.take("return")
        body = self.expr()
        self.accept(";")
        self.take("}")
        return Function(params, lets, body)

    # -- expressions, lowest precedence first
    def expr(self) -> Expr:
        cond = self.binary(0)
        if self.accept("?"):
            yes = self.expr()
            self.take(":")
            return ("if", cond, yes, self.expr())
        return cond

    LEVELS: tuple[tuple[str, ...], ...] = (
        ("||",),
        ("&&",),
        ("==", "!=", "<", "<=", ">", ">=", "in", "is"),
        ("+", "-"),
        ("*", "/", "%"),
    )

    def binary(self, level: int) -> Expr:
        if level == len(self.LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek().text in self.LEVELS[level] and self.peek().kind != "str":
            op = self.take().text
            right = self.take(kind="name").text if op == "is" else self.binary(level + 1)
            left = ("is", left, right) if op == "is" else ("op", op, left, right)
        return left

    def unary(self) -> Expr:
        if self.accept("!"):
            return ("not", self.unary())
        if self.accept("-"):
            return ("neg", self.unary())
        return self.postfix(self.primary())

    def postfix(self, node: Expr) -> Expr:
        while True:
            if self.accept("."):
                name = self.take(kind="name").text
                node = ("call", node, name, self.args()) if self.accept("(") else ("get", node, name)
            elif self.accept("["):
                index = self.expr()
                self.take("]")
                node = ("idx", node, index)
            else:
                return node

    def args(self) -> list[Expr]:
        out: list[Expr] = []
        while not self.accept(")"):
            out.append(self.expr())
            self.accept(",")
        return out

    def primary(self) -> Expr:
        tok = self.take()
        if tok.kind == "int":
            return ("lit", int(tok.text))
        if tok.kind == "float":
            return ("lit", float(tok.text))
        if tok.kind == "str":
            return ("lit", bytes(tok.text[1:-1], "utf-8").decode("unicode_escape"))
        if tok.text == "(":
            inner = self.expr()
            self.take(")")
            return inner
        if tok.text == "[":
            items: list[Expr] = []
            while not self.accept("]"):
                items.append(self.expr())
                self.accept(",")
            return ("list", items)
        if tok.text == "{":
            pairs: list[tuple[Expr, Expr]] = []
            while not self.accept("}"):
                key = self.expr()
                self.take(":")
                pairs.append((key, self.expr()))
                self.accept(",")
            return ("map", pairs)
        if tok.kind == "name":
            if tok.text in ("true", "false"):
                return ("lit", tok.text == "true")
            if tok.text == "null":
                return ("lit", None)
            if self.accept("("):
                return ("fn", tok.text, self.args())
            return ("id", tok.text)
        raise RulesError(f"line {tok.line}: unexpected {tok.text!r}")


def parse(src: str) -> Ruleset:
    return Parser(src).ruleset()


# ---------------------------------------------------------------- values


def from_expression_value(v: dict[str, Any]) -> Any:
    """firebase-tools' wire form of rules values (see its storage/rules/runtime.js)."""
    if "null_value" in v:
        return None
    for key in ("string_value", "bool_value", "float_value"):
        if key in v:
            return v[key]
    if "int_value" in v:
        return int(v["int_value"])
    if "timestamp_value" in v:
        return datetime.fromisoformat(str(v["timestamp_value"]).replace("Z", "+00:00"))
    if "list_value" in v:
        return [from_expression_value(x) for x in v["list_value"].get("values", [])]
    if "set_value" in v:
        return [from_expression_value(x) for x in v["set_value"].get("values", [])]
    if "map_value" in v:
        return {k: from_expression_value(x) for k, x in v["map_value"].get("fields", {}).items()}
    if "path_value" in v:
        return "/".join(s.get("simple", "") for s in v["path_value"].get("segments", []))
    raise RulesError(f"unsupported value {v}")


TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "string": lambda x: isinstance(x, str),
    "int": lambda x: isinstance(x, int) and not isinstance(x, bool),
    "float": lambda x: isinstance(x, float),
    "number": lambda x: isinstance(x, (int, float)) and not isinstance(x, bool),
    "bool": lambda x: isinstance(x, bool),
    "list": lambda x: isinstance(x, list),
    "map": lambda x: isinstance(x, dict),
    "timestamp": lambda x: isinstance(x, datetime),
    "path": lambda x: isinstance(x, str),
}


def _method(target: Any, name: str, args: list[Any]) -> Any:
    if isinstance(target, str):
        if name == "matches":
            return re.fullmatch(args[0], target) is not None
        if name == "size":
            return len(target)
        if name in ("lower", "upper", "trim"):
            return {"lower": target.lower, "upper": target.upper, "trim": target.strip}[name]()
        if name == "split":
            return re.split(args[0], target)
    if isinstance(target, list):
        if name == "size":
            return len(target)
        if name == "hasAll":
            return all(x in target for x in args[0])
        if name == "hasAny":
            return any(x in target for x in args[0])
        if name == "hasOnly":
            return all(x in args[0] for x in target)
    if isinstance(target, dict):
        if name == "size":
            return len(target)
        if name == "keys":
            return list(target)
        if name == "values":
            return list(target.values())
        if name == "get":
            return target.get(args[0], args[1] if len(args) > 1 else None)
    if isinstance(target, datetime) and name == "toMillis":
        return int(target.timestamp() * 1000)
    raise RulesError(f"no method {name}() on {type(target).__name__}")


@dataclass
class Scope:
    values: dict[str, Any]
    functions: dict[str, Function]


def evaluate(node: Expr, scope: Scope) -> Any:
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "id":
        if node[1] not in scope.values:
            raise RulesError(f"unknown name {node[1]}")
        return scope.values[node[1]]
    if kind == "get":
        target = evaluate(node[1], scope)
        if not isinstance(target, dict) or node[2] not in target:
            raise RulesError(f"no property {node[2]}")
        return target[node[2]]
    if kind == "idx":
        target, index = evaluate(node[1], scope), evaluate(node[2], scope)
        try:
            return target[index]
        except (KeyError, IndexError, TypeError) as exc:
            raise RulesError(f"no element {index!r}") from exc
    if kind == "not":
        return not _bool(evaluate(node[1], scope))
    if kind == "neg":
        return -evaluate(node[1], scope)
    if kind == "if":
        return evaluate(node[2] if _bool(evaluate(node[1], scope)) else node[3], scope)
    if kind == "is":
        return TYPE_CHECKS[node[2]](evaluate(node[1], scope))
    if kind == "list":
        return [evaluate(x, scope) for x in node[1]]
    if kind == "map":
        return {evaluate(k, scope): evaluate(v, scope) for k, v in node[1]}
    if kind == "op":
        return _binary(node[1], node[2], node[3], scope)
    if kind == "call":
        return _method(evaluate(node[1], scope), node[2], [evaluate(a, scope) for a in node[3]])
    if kind == "fn":
        return _call(node[1], [evaluate(a, scope) for a in node[2]], scope)
    raise RulesError(f"cannot evaluate {kind}")


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise RulesError(f"{value!r} is not a boolean")
    return value


def _binary(op: str, left_node: Expr, right_node: Expr, scope: Scope) -> Any:
    if op == "&&":
        return _bool(evaluate(left_node, scope)) and _bool(evaluate(right_node, scope))
    if op == "||":
        # An error on the left of || is not fatal when the right is true, as in the real runtime.
        try:
            if _bool(evaluate(left_node, scope)):
                return True
        except RulesError:
            if _bool(evaluate(right_node, scope)):
                return True
            raise
        return _bool(evaluate(right_node, scope))
    a, b = evaluate(left_node, scope), evaluate(right_node, scope)
    try:
        if op == "==":
            return a == b
        if op == "!=":
            return a != b
        if op == "in":
            return a in b
        if op in ("<", "<=", ">", ">="):
            if a is None or b is None:
                raise RulesError("comparison with null")
            return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return a // b if isinstance(a, int) and isinstance(b, int) else a / b
        if op == "%":
            return a % b
    except (TypeError, ZeroDivisionError) as exc:
        raise RulesError(f"{a!r} {op} {b!r}: {exc}") from exc
    raise RulesError(f"unknown operator {op}")


def _call(name: str, args: list[Any], scope: Scope) -> Any:
    fn = scope.functions.get(name)
    if fn is None:
        raise RulesError(f"unknown function {name}()")
    if len(args) != len(fn.params):
        raise RulesError(f"{name}() takes {len(fn.params)} arguments")
    inner = Scope({**scope.values, **dict(zip(fn.params, args, strict=True))}, scope.functions)
    for lname, lexpr in fn.lets:
        inner.values[lname] = evaluate(lexpr, inner)
    return evaluate(fn.body, inner)


# ---------------------------------------------------------------- matching


def _match_segments(pattern: list[str], path: list[str], version: int) -> list[tuple[dict[str, Any], list[str]]]:
    """Every way `pattern` matches a prefix of `path`: (bound variables, rest of the path)."""
    if not pattern:
        return [({}, path)]
    head, tail = pattern[0], pattern[1:]
    if head.endswith("=**}"):
        var = head[1:-4]
        least = 0 if version >= 2 else 1
        out = []
        for n in range(least, len(path) + 1):
            for bound, rest in _match_segments(tail, path[n:], version):
                out.append(({var: "/".join(path[:n]), **bound}, rest))
        return out
    if not path:
        return []
    if head.startswith("{"):
        return [({head[1:-1]: path[0], **b}, r) for b, r in _match_segments(tail, path[1:], version)]
    if head != path[0]:
        return []
    return _match_segments(tail, path[1:], version)


def permits(ruleset: Ruleset, path: str, method: str, variables: dict[str, Any]) -> bool:
    """True when some `allow` for `method` on a match of the whole `path` holds (errors deny)."""
    segments = [s for s in path.split("/") if s]
    return _permits_in(ruleset.root, segments, method, variables, {}, ruleset.root.functions, ruleset.version)


def _permits_in(
    node: Match,
    path: list[str],
    method: str,
    variables: dict[str, Any],
    bound: dict[str, Any],
    functions: dict[str, Function],
    version: int,
) -> bool:
    for child in node.children:
        child_functions = {**functions, **child.functions}
        for more, rest in _match_segments(child.segments, path, version):
            scope_bound = {**bound, **more}
            if not rest and _allowed(child, method, variables, scope_bound, child_functions):
                return True
            if _permits_in(child, rest, method, variables, scope_bound, child_functions, version):
                return True
    return False


def _allowed(
    node: Match, method: str, variables: dict[str, Any], bound: dict[str, Any], functions: dict[str, Function]
) -> bool:
    for allow in node.allows:
        covers = method in allow.methods or any(method in METHOD_GROUPS.get(m, ()) for m in allow.methods)
        if not covers:
            continue
        if allow.condition is None:
            return True
        try:
            if evaluate(allow.condition, Scope({**variables, **bound}, functions)) is True:
                return True
        except (RulesError, KeyError, IndexError, re.error):
            continue
    return False
