#!/usr/bin/python3
# Reference side of the JMESPath differential test (differential_test.cc).
#
#   /usr/bin/python3 jmespath_reference.py INPUT OUTPUT
#
# INPUT has one JSON object per line: {"expression": "...", "document": ...}. OUTPUT gets one line
# per input line: {"result": ...} or {"error": "<kind>"} with the compliance suite's kinds.
#
# The reference is Debian's python3-jmespath (1.0.1). A few normalizations make it comparable with
# the C++ engine; each is a documented choice of the engine, not a difference in the spec:
#   - object key order: nlohmann::json keeps keys sorted, so every dict here is built with sorted
#     keys and keys()/values()/`*`/to_string/merge see them in that order;
#   - ordering comparisons of a number with a string are null (the spec's rule) instead of
#     Python's TypeError;
#   - equality is JMESPath's: true is not 1 (Python's == says it is inside arrays and in `in`),
#     and contains(string, non-string) is false instead of a TypeError;
#   - a slice after an index projects, as the grammar says (python-jmespath 1.0.1 appends the
#     slice to the index expression and so does not project: foo[0][1:].a);
#   - merge() checks every argument's type, max_by/min_by reject keys mixing numbers and strings
#     with a JMESPath type error instead of Python's TypeError;
#   - the grammar is enforced where python-jmespath is lenient: function arguments need their
#     commas (multi-select-hash entries do not: like python-jmespath, and so RDI, the engine
#     accepts `{a: x b: y}`), a slice part cannot be given twice, an
#     &expression is only valid as a function argument;
#   - like the engine, functions are checked when the expression is compiled (unknown names,
#     arity, filter_entries' literal predicate, regex_replace's literal pattern), after the whole
#     text parsed: python-jmespath only finds them when (and if) evaluation reaches the call;
#     a zero slice step is an error of the expression too, not only when applied to an array;
#   - an &expression given to a function parameter that takes values is a type error (python-
#     jmespath passes the reference object along).
# RDI's custom functions are implemented here with Python's own str/hashlib/re/base64 — the
# primitives RDI's Python implementation uses — so the engine's versions are checked against them.
import base64
import binascii
import hashlib
import json
import re
import string
import sys

try:
    import jmespath
    from jmespath import ast, exceptions, functions, lexer, parser, visitor
except ImportError as e:  # reported by the C++ test
    sys.stderr.write("python3-jmespath is not importable by %s: %s\n" % (sys.executable, e))
    sys.exit(3)


def sorted_dict(pairs):
    return {k: v for k, v in sorted(pairs, key=lambda kv: kv[0])}


def loads_sorted(text, **kwargs):
    return json.loads(text, object_pairs_hook=sorted_dict, **kwargs)


def resort(value):
    if isinstance(value, dict):
        return {k: resort(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [resort(v) for v in value]
    return value


# JSON literals in expressions: sorted keys too.
lexer.loads = loads_sorted


def strict_equals(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(strict_equals(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(strict_equals(a[k], b[k]) for k in a)
    if isinstance(a, (list, dict)) or isinstance(b, (list, dict)):
        return False
    return a == b


def ordered(op):
    def compare(a, b):
        both_numbers = visitor._is_actual_number(a) and visitor._is_actual_number(b)
        both_strings = isinstance(a, str) and isinstance(b, str)
        if not (both_numbers or both_strings):
            return None
        return op(a, b)
    return compare


visitor.TreeInterpreter.COMPARATOR_FUNC = dict(visitor.TreeInterpreter.COMPARATOR_FUNC)
visitor.TreeInterpreter.COMPARATOR_FUNC.update({
    'eq': strict_equals,
    'ne': lambda a, b: not strict_equals(a, b),
    'lt': ordered(lambda a, b: a < b),
    'gt': ordered(lambda a, b: a > b),
    'lte': ordered(lambda a, b: a <= b),
    'gte': ordered(lambda a, b: a >= b),
})


def led_lbracket(self, left):
    token = self._lookahead_token(0)
    if token['type'] in ['number', 'colon']:
        right = self._parse_index_expression()
        if left['type'] == 'index_expression' and right['type'] != 'slice':
            left['children'].append(right)
            return left
        return self._project_if_slice(left, right)
    self._match('star')
    self._match('rbracket')
    right = self._parse_projection_rhs(self.BINDING_POWER['star'])
    return ast.projection(left, right)


parser.Parser._token_led_lbracket = led_lbracket

def led_lparen(self, left):
    if left['type'] != 'field' or self._lookahead_token(-2)['type'] != 'unquoted_identifier':
        prev_t = self._lookahead_token(-2)
        raise exceptions.ParseError(prev_t['start'], prev_t['value'], prev_t['type'],
                                    "Invalid function name '%s'" % prev_t['value'])
    args = []
    while not self._current_token() == 'rparen':
        args.append(self._expression())
        if self._current_token() == 'comma':
            self._match('comma')
            if self._current_token() == 'rparen':
                self._raise_parse_error_for_token(self._lookahead_token(0), 'trailing comma')
        elif self._current_token() != 'rparen':
            self._raise_parse_error_for_token(self._lookahead_token(0), 'expected , or )')
    self._match('rparen')
    return ast.function_expression(left['value'], args)


def parse_multi_select_hash(self):
    pairs = []
    while True:
        key_token = self._lookahead_token(0)
        self._match_multiple_tokens(token_types=['quoted_identifier', 'unquoted_identifier'])
        self._match('colon')
        pairs.append(ast.key_val_pair(key_name=key_token['value'], node=self._expression(0)))
        if self._current_token() == 'comma':
            self._match('comma')
        elif self._current_token() == 'rbrace':
            self._match('rbrace')
            break
        elif (self._current_token() in ('quoted_identifier', 'unquoted_identifier')
              and self._lookahead(1) == 'colon'):
            pass  # python-jmespath's own leniency, kept: a missing comma before `key:`
        else:
            self._raise_parse_error_for_token(self._lookahead_token(0), 'expected , or }')
    return ast.multi_select_dict(nodes=pairs)


def parse_slice_expression(self):
    parts = [None, None, None]
    index = 0
    while self._current_token() != 'rbracket':
        if self._current_token() == 'colon':
            index += 1
            if index == 3:
                self._raise_parse_error_for_token(self._lookahead_token(0), 'syntax error')
            self._advance()
        elif self._current_token() == 'number' and parts[index] is None:
            parts[index] = self._lookahead_token(0)['value']
            self._advance()
        else:
            self._raise_parse_error_for_token(self._lookahead_token(0), 'syntax error')
    self._match('rbracket')
    return ast.slice(*parts)


parser.Parser._token_led_lparen = led_lparen
parser.Parser._parse_multi_select_hash = parse_multi_select_hash
parser.Parser._parse_slice_expression = parse_slice_expression


def visit_function_expression(self, node, value):
    args = [visitor._Expression(child['children'][0], self) if child['type'] == 'expref'
            else self.visit(child, value) for child in node['children']]
    return self._functions.call_function(node['value'], args)


def visit_expref(self, node, value):
    raise exceptions.JMESPathTypeError('&', None, 'expref', ['a function argument'])


visitor.TreeInterpreter.visit_function_expression = visit_function_expression
visitor.TreeInterpreter.visit_expref = visit_expref

_visit_multi_select_dict = visitor.TreeInterpreter.visit_multi_select_dict


def visit_multi_select_dict(self, node, value):
    collected = _visit_multi_select_dict(self, node, value)
    return None if collected is None else resort(collected)


visitor.TreeInterpreter.visit_multi_select_dict = visit_multi_select_dict


class InvalidValue(Exception):
    pass


def type_error(fn, value, expected):
    return exceptions.JMESPathTypeError(fn, value, type(value).__name__, expected)


def python_str(value):
    # str() for scalars (RDI's f"{x}"); compact JSON for arrays and objects (the engine's choice).
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(',', ':'), ensure_ascii=False, sort_keys=True)
    return str(value)


def integer(fn, value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise type_error(fn, value, ['integer'])
    return value


class ReferenceFunctions(functions.Functions):
    def _type_check(self, actual, signature, function_name):
        for i, value in enumerate(actual):
            spec = signature[min(i, len(signature) - 1)]
            if not spec['types'] and isinstance(value, visitor._Expression):
                raise type_error(function_name, value, ['any value'])
        return super()._type_check(actual, signature, function_name)

    # --- normalizations of built-ins (see the header) ---
    @functions.signature({'types': ['array', 'string']}, {'types': []})
    def _func_contains(self, subject, search):
        if isinstance(subject, str):
            return isinstance(search, str) and search in subject
        return any(strict_equals(e, search) for e in subject)

    @functions.signature({"types": ["object"], "variadic": True})
    def _func_merge(self, *arguments):
        merged = {}
        for arg in arguments:
            if not isinstance(arg, dict):
                raise type_error('merge', arg, ['object'])
            merged.update(arg)
        return resort(merged)

    @functions.signature({'types': []})
    def _func_to_string(self, arg):
        if isinstance(arg, str):
            return arg
        return json.dumps(arg, separators=(',', ':'), sort_keys=True)

    def _extreme_by(self, name, array, expref, pick):
        keys = [expref.visit(expref.expression, x) for x in array]
        for k in keys:
            if not (visitor._is_actual_number(k) or isinstance(k, str)):
                raise type_error(name, k, ['number', 'string'])
        if keys and not (all(isinstance(k, str) for k in keys) or
                         all(visitor._is_actual_number(k) for k in keys)):
            raise type_error(name, keys[0], ['number', 'string'])
        if not array:
            return None
        return array[pick(range(len(array)), key=lambda i: keys[i])]

    @functions.signature({'types': ['array']}, {'types': ['expref']})
    def _func_max_by(self, array, expref):
        return self._extreme_by('max_by', array, expref, max)

    @functions.signature({'types': ['array']}, {'types': ['expref']})
    def _func_min_by(self, array, expref):
        return self._extreme_by('min_by', array, expref, min)

    # --- RDI's custom functions ---
    @functions.signature({"types": ["string", "null"]})
    def _func_capitalize(self, arg):
        return string.capwords(arg) if arg is not None else None

    @functions.signature({"types": ["array"]})
    def _func_concat(self, elements):
        return "".join(python_str(x) for x in elements)

    @functions.signature({"types": ["string", "null"]})
    def _func_lower(self, arg):
        return arg.lower() if arg is not None else None

    @functions.signature({"types": ["string", "null"]})
    def _func_upper(self, arg):
        return arg.upper() if arg is not None else None

    @functions.signature({"types": ["string", "null"]}, {"types": ["string"]}, {"types": ["string"]})
    def _func_replace(self, s, old, new):
        if s is None:
            return None
        return s.replace(old, new) if old != "" else s

    @functions.signature({"types": ["string", "null"]}, {"types": ["number"]})
    def _func_right(self, s, n):
        n = integer('right', n)
        return s[-n:] if s is not None else None

    @functions.signature({"types": ["string", "null"]}, {"types": ["number"]})
    def _func_left(self, s, n):
        n = integer('left', n)
        return s[:n] if s is not None else None

    @functions.signature({"types": ["string", "null"]}, {"types": ["number"]}, {"types": ["number"]})
    def _func_mid(self, s, offset, n):
        offset = integer('mid', offset)
        n = integer('mid', n)
        return s[offset:offset + n] if s is not None else None

    @functions.signature({"types": ["string", "null"], "variadic": True})
    def _func_split(self, s, delimiter=","):
        if delimiter is not None and not isinstance(delimiter, str):
            raise type_error('split', delimiter, ['string', 'null'])
        if s is None:
            return None
        if delimiter == "":
            raise InvalidValue("empty separator")
        return s.split(delimiter)

    @functions.signature({"types": ["number", "string", "boolean", "array", "object", "null"],
                          "variadic": True})
    def _func_hash(self, obj, name="sha1"):
        if not isinstance(name, str):
            raise type_error('hash', name, ['string'])
        if obj is None:
            data = b""
        elif isinstance(obj, str):
            data = obj.encode()
        else:
            data = json.dumps(obj, separators=(',', ':'), sort_keys=True, ensure_ascii=False).encode()
        try:
            h = hashlib.new(name.lower())
        except ValueError:
            raise InvalidValue("unsupported hash type")
        h.update(data)
        return h.hexdigest()

    @functions.signature({"types": ["number", "string", "boolean", "array", "object", "null"]},
                         {"types": ["array"]})
    def _func_in(self, element, iterable):
        return any(strict_equals(element, e) for e in iterable)

    @functions.signature({"types": ["string"]})
    def _func_json_parse(self, data):
        try:
            return loads_sorted(data)
        except ValueError:
            raise InvalidValue("invalid JSON")

    @functions.signature({"types": ["string"]})
    def _func_base64_decode(self, data):
        try:
            return base64.b64decode(data).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise InvalidValue("bad base64")

    @functions.signature({"types": ["object", "null"]})
    def _func_to_entries(self, obj):
        if obj is None:
            return None
        return [{"key": k, "value": v} for k, v in obj.items()]

    @functions.signature({"types": ["array", "null"]})
    def _func_from_entries(self, entries):
        if entries is None:
            return None
        result = {}
        for entry in entries:
            if isinstance(entry, dict):
                key = entry.get("key")
                if key is not None:
                    if isinstance(key, (list, dict)):
                        raise type_error('from_entries', key, ['string'])
                    result[key if isinstance(key, str) else json.dumps(key)] = entry.get("value")
        return resort(result)

    @functions.signature({"types": ["object", "null"]}, {"types": ["string", "expref"]})
    def _func_filter_entries(self, entries, predicate):
        if entries is None:
            return None
        if isinstance(predicate, str):
            compiled = jmespath.compile(predicate)

            def evaluate(entry):
                return compiled.search(entry, options=OPTIONS)
        else:
            def evaluate(entry):
                return predicate.visit(predicate.expression, entry)
        kept = {}
        for key, value in entries.items():
            try:
                if evaluate({"key": key, "value": value}):
                    kept[key] = value
            except Exception:
                pass
        return kept

    @functions.signature({"types": ["string"]}, {"types": ["string"]}, {"types": ["string"]})
    def _func_regex_replace(self, text, pattern, replacement):
        try:
            return re.sub(pattern, replacement, text)
        except re.error:
            raise InvalidValue("bad pattern or replacement")


OPTIONS = jmespath.Options(custom_functions=ReferenceFunctions())


def check_functions(node):
    # Compile-time checks, in source order (a filter's condition comes before its right side).
    if node['type'] == 'function_expression':
        name, args = node['value'], node['children']
        spec = ReferenceFunctions.FUNCTION_TABLE.get(name)
        if spec is None:
            raise exceptions.UnknownFunctionError("Unknown function: %s()" % name)
        signature = spec['signature']
        variadic = bool(signature) and signature[-1].get('variadic')
        if variadic:
            maximum = {'hash': 2, 'split': 2}.get(name, len(args))
            if len(args) < len(signature) or len(args) > maximum:
                raise exceptions.VariadictArityError(len(signature), len(args), name)
        elif len(args) != len(signature):
            raise exceptions.ArityError(len(signature), len(args), name)
        if name == 'filter_entries' and args[1]['type'] == 'literal' and isinstance(args[1]['value'], str):
            compile_checked(args[1]['value'])
        if name == 'regex_replace' and args[1]['type'] == 'literal' and isinstance(args[1]['value'], str):
            try:
                re.compile(args[1]['value'])
            except re.error:
                raise InvalidValue("bad pattern")
    if node['type'] == 'slice' and node['children'][2] == 0:
        raise ValueError("slice step cannot be 0")
    children = node.get('children', [])
    if node['type'] == 'filter_projection':
        children = [children[0], children[2], children[1]]
    for child in children:
        if isinstance(child, dict):
            check_functions(child)


def compile_checked(expression):
    compiled = jmespath.compile(expression)
    check_functions(compiled.parsed)
    return compiled


def error_kind(e):
    if isinstance(e, exceptions.UnknownFunctionError):
        return "unknown-function"
    if isinstance(e, exceptions.ArityError):
        return "invalid-arity"
    if isinstance(e, (exceptions.ParseError, exceptions.EmptyExpressionError)):
        return "syntax"
    if isinstance(e, exceptions.JMESPathTypeError):
        return "invalid-type"
    if isinstance(e, (InvalidValue, ValueError)):
        return "invalid-value"
    return "python-%s" % type(e).__name__


def main():
    source, target = sys.argv[1], sys.argv[2]
    with open(source, encoding="utf-8") as inp, open(target, "w", encoding="utf-8") as out:
        for line in inp:
            case = loads_sorted(line)
            try:
                result = compile_checked(case["expression"]).search(case["document"], options=OPTIONS)
                out.write(json.dumps({"result": result}) + "\n")
            except Exception as e:  # every failure is data for the comparison
                out.write(json.dumps({"error": error_kind(e), "message": str(e)}) + "\n")


if __name__ == "__main__":
    main()
