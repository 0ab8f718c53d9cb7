"""The type stub ``optocom/_optocom.pyi`` describes the compiled module exactly: the same
functions, classes, methods, static methods and getters, with the same parameter names,
order and defaults; and the getters return what their annotations say."""

from __future__ import annotations

import ast
import inspect
import json
import typing
from pathlib import Path

import numpy as np
import pytest
from conftest import FIXTURES

import optocom
from optocom import _optocom

STUB = Path(optocom.__file__).with_name("_optocom.pyi")


# -- the stub, read with ast ------------------------------------------------------------------


def _decorators(fn: ast.FunctionDef) -> set:
    return {d.id for d in fn.decorator_list if isinstance(d, ast.Name)}


def _params(fn: ast.FunctionDef) -> list:
    """[(name, default source or None)] in order, without self."""
    a = fn.args
    positional = a.posonlyargs + a.args
    defaults = [None] * (len(positional) - len(a.defaults)) + [ast.unparse(d) for d in a.defaults]
    out = list(zip([p.arg for p in positional], defaults))
    out += [(p.arg, None if d is None else ast.unparse(d)) for p, d in zip(a.kwonlyargs, a.kw_defaults)]
    if out and out[0][0] == "self":
        out = out[1:]
    return out


def _stub():
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    functions, classes, variables = {}, {}, set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            functions[node.name] = _params(node)
        elif isinstance(node, ast.ClassDef):
            members = {}
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    decos = _decorators(item)
                    kind = "property" if "property" in decos else "static" if "staticmethod" in decos else "method"
                    assert item.name not in members, f"{node.name}.{item.name} defined twice"
                    members[item.name] = (kind, _params(item), item)
            classes[node.name] = members
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            variables.add(node.target.id)
    return functions, classes, variables


STUB_FUNCTIONS, STUB_CLASSES, STUB_VARIABLES = _stub()


# -- the compiled module, read with inspect --------------------------------------------------


def _public(names):
    return {n for n in names if not n.startswith("_")}


def _signature(obj) -> list:
    sig = inspect.signature(obj)
    out = []
    for p in sig.parameters.values():
        if p.name == "self":
            continue
        assert p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD), f"{obj} has *args/**kwargs"
        out.append((p.name, None if p.default is p.empty else repr(p.default)))
    return out


def _compiled_classes():
    return {n: o for n, o in vars(_optocom).items() if isinstance(o, type) and not n.startswith("_")}


def _compiled_members(cls) -> dict:
    out = {}
    for name, attr in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(attr, staticmethod):
            out[name] = ("static", attr.__func__)
        elif inspect.isgetsetdescriptor(attr) or isinstance(attr, property):
            out[name] = ("property", attr)
        elif callable(attr):
            out[name] = ("method", attr)
        else:
            raise AssertionError(f"{cls.__name__}.{name}: unexpected member {type(attr)}")
    return out


COMPILED_CLASSES = _compiled_classes()
COMPILED_FUNCTIONS = {
    n: o for n, o in vars(_optocom).items() if not n.startswith("_") and inspect.isbuiltin(o)
}


def test_the_stub_ships_next_to_the_extension():
    assert STUB.exists()
    assert Path(_optocom.__file__).parent == STUB.parent
    assert STUB.with_name("py.typed").exists()


def test_module_level_names_match():
    compiled = _public(dir(_optocom))
    stubbed = set(STUB_FUNCTIONS) | set(STUB_CLASSES) | _public(STUB_VARIABLES)
    assert stubbed == compiled, {
        "missing from the stub": sorted(compiled - stubbed),
        "not in the module": sorted(stubbed - compiled),
    }
    assert "__version__" in STUB_VARIABLES and isinstance(_optocom.__version__, str)


def test_the_classes_are_the_documented_ones():
    assert set(COMPILED_CLASSES) == {
        "ForestClassifier", "ForestRegressor", "KMeansModel", "LinearModel", "UpliftModel",
        "PurchaseModel", "CampaignModel", "SegmentationModel", "RecommenderModel",
    }


@pytest.mark.parametrize("name", sorted(COMPILED_FUNCTIONS))
def test_function_signatures_match(name):
    assert name in STUB_FUNCTIONS, f"{name} missing from the stub"
    assert STUB_FUNCTIONS[name] == _signature(COMPILED_FUNCTIONS[name])


@pytest.mark.parametrize("cls_name", sorted(COMPILED_CLASSES))
def test_class_members_match(cls_name):
    assert cls_name in STUB_CLASSES, f"class {cls_name} missing from the stub"
    compiled = _compiled_members(COMPILED_CLASSES[cls_name])
    stubbed = STUB_CLASSES[cls_name]
    stubbed_public = {k: v for k, v in stubbed.items() if not k.startswith("_")}
    assert set(stubbed_public) == set(compiled), {
        "missing from the stub": sorted(set(compiled) - set(stubbed_public)),
        "not in the module": sorted(set(stubbed_public) - set(compiled)),
    }
    for member, (kind, obj) in compiled.items():
        stub_kind, stub_params, _ = stubbed[member]
        assert stub_kind == kind, f"{cls_name}.{member}: stub says {stub_kind}, module has {kind}"
        if kind == "property":
            assert stub_params == [], f"{cls_name}.{member}: a getter takes no arguments"
            continue
        assert stub_params == _signature(obj), f"{cls_name}.{member}"


@pytest.mark.parametrize("cls_name", sorted(COMPILED_CLASSES))
def test_classes_cannot_be_constructed_and_the_stub_says_so(cls_name):
    with pytest.raises(TypeError):
        COMPILED_CLASSES[cls_name]()
    assert "__init__" not in STUB_CLASSES[cls_name]


# -- getters return what the stub says -------------------------------------------------------


def _namespace():
    ns = {}
    exec(  # the stub's own imports and aliases, to evaluate its annotations
        compile(
            "\n".join(
                ast.unparse(n)
                for n in ast.parse(STUB.read_text(encoding="utf-8")).body
                if isinstance(n, (ast.Import, ast.ImportFrom, ast.Assign))
            ),
            str(STUB),
            "exec",
        ),
        ns,
    )
    ns.update(COMPILED_CLASSES)
    return ns


def _matches(value, annotation) -> bool:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if annotation is type(None):
        return value is None
    if origin is typing.Union:
        return any(_matches(value, a) for a in args)
    if origin in (list, typing.List):
        return isinstance(value, list) and all(_matches(v, args[0]) for v in value)
    if origin in (tuple, typing.Tuple):
        return isinstance(value, tuple) and len(value) == len(args) and all(map(_matches, value, args))
    if origin is np.ndarray:
        return isinstance(value, np.ndarray)
    if annotation is float:
        return isinstance(value, float)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(annotation, type):
        return isinstance(value, annotation)
    raise AssertionError(f"unhandled annotation {annotation!r}")


def _instances():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = (X[:, 0] > 0).astype(int)
    return {
        "ForestClassifier": [
            optocom.RandomForestClassifier(n_estimators=4, random_state=0).fit(X, y)._model,
            optocom.RandomForestClassifier(n_estimators=4, random_state=0, oob_score=True)
            .fit(X, np.where(y == 1, "a", "b"))._model,
        ],
        "ForestRegressor": [
            optocom.RandomForestRegressor(n_estimators=4, random_state=0).fit(X, X[:, 0])._model,
            optocom.RandomForestRegressor(n_estimators=4, random_state=0, oob_score=True)
            .fit(X, X[:, 0])._model,
        ],
        "UpliftModel": [optocom.UpliftForest(n_estimators=4, random_state=0).fit(X, y, X[:, 1])._model],
        "PurchaseModel": [_optocom.model_from_json((FIXTURES / "golden_purchase_forecaster.json").read_text())],
        "SegmentationModel": [_optocom.model_from_json((FIXTURES / "golden_segmentation.json").read_text())],
        "CampaignModel": [],
        "KMeansModel": [_optocom.KMeansModel.fit(X, _optocom.default_params("kmeans"), ["a", "b", "c"])],
        "LinearModel": [_optocom.LinearModel.fit(X, X[:, 0] - X[:, 2], ["a", "b", "c"])],
    }


def test_getters_return_their_annotated_types():
    ns = _namespace()
    checked = 0
    for cls_name, objects in _instances().items():
        for member, (kind, _, node) in STUB_CLASSES[cls_name].items():
            if kind != "property":
                continue
            annotation = eval(ast.unparse(node.returns), ns)  # noqa: S307 - our own stub
            for obj in objects:
                value = getattr(obj, member)
                assert _matches(value, annotation), f"{cls_name}.{member} = {value!r}, stub: {ast.unparse(node.returns)}"
                checked += 1
    assert checked >= 20


def test_json_getters_hold_json():
    inst = _instances()
    for obj in inst["ForestClassifier"] + inst["ForestRegressor"] + inst["UpliftModel"] + inst["PurchaseModel"]:
        assert isinstance(json.loads(obj.params), dict)
    assert json.loads(inst["ForestClassifier"][1].labels) == ["a", "b"]
    assert inst["ForestClassifier"][0].labels is None
