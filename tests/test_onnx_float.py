"""Rewriting an export's 8-bit vocoder convolutions in float keeps every other part of the graph,
including values that a ``Loop`` or ``If`` reads from the graph around it (as torch.onnx.export's
fp32 export of Kokoro does), and leaves a float export exactly as it was."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from studio.engine.onnx_float import dequantize_graph

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
helper, numpy_helper, TensorProto = onnx.helper, onnx.numpy_helper, onnx.TensorProto

CONV = "/decoder/decoder/generator/conv_post/Conv_quant"
WEIGHTS = np.array([[[0.5, -0.25, 1.0]]], dtype=np.float32)  # one channel in, one out, width 3


def _graph_reading_an_outer_value(quantized: bool) -> Any:
    """y = conv(x) through the int8 pattern (or a float Conv), then an If whose branches read
    ``shifted``, a value of the outer graph that no outer node lists as an input."""
    nodes = [helper.make_node("Add", ["x", "one"], ["shifted"], name="/shift")]
    initializers = [numpy_helper.from_array(np.array(1.0, np.float32), "one")]
    if quantized:
        scale = np.float32(1 / 127)
        q_weights = np.round(WEIGHTS / scale + 128).astype(np.uint8)
        initializers += [
            numpy_helper.from_array(q_weights, "w_q"),
            numpy_helper.from_array(np.array(128, np.uint8), "w_zero"),
            numpy_helper.from_array(np.array(scale, np.float32), "w_scale"),
        ]
        nodes += [
            helper.make_node(
                "DynamicQuantizeLinear", ["x"], ["x_q", "x_scale", "x_zero"], name="/quantize"
            ),
            helper.make_node(
                "ConvInteger", ["x_q", "w_q", "x_zero", "w_zero"], ["acc"], name=CONV, pads=[1, 1]
            ),
            helper.make_node("Cast", ["acc"], ["acc_f"], to=TensorProto.FLOAT, name="/cast"),
            helper.make_node("Mul", ["x_scale", "w_scale"], ["scales"], name="/scales"),
            helper.make_node("Mul", ["acc_f", "scales"], ["conv"], name="/rescale"),
        ]
    else:
        initializers.append(numpy_helper.from_array(WEIGHTS, "w"))
        nodes.append(helper.make_node("Conv", ["x", "w"], ["conv"], name="/conv", pads=[1, 1]))

    def branch(op: str) -> Any:
        body = helper.make_node(op, ["shifted"], [f"{op}_out"], name=f"/{op}")
        output = helper.make_tensor_value_info(f"{op}_out", TensorProto.FLOAT, [1, 1, 8])
        return helper.make_graph([body], f"{op}_branch", [], [output])

    nodes += [
        helper.make_node("Constant", [], ["cond"], value=numpy_helper.from_array(np.array(True))),
        helper.make_node(
            "If", ["cond"], ["branched"], then_branch=branch("Identity"), else_branch=branch("Neg")
        ),
        helper.make_node("Add", ["conv", "branched"], ["y"], name="/sum"),
    ]
    graph = helper.make_graph(
        nodes,
        "export",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 8])],
        initializers,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _run(model: Any, x: np.ndarray) -> np.ndarray:
    onnx.checker.check_model(model)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return np.asarray(session.run(None, {"x": x})[0])


def test_rewriting_keeps_the_values_a_subgraph_reads_from_outside() -> None:
    model = _graph_reading_an_outer_value(quantized=True)
    assert dequantize_graph(model.graph, ["generator_convs"]) == 1
    assert {n.op_type for n in model.graph.node} >= {"Conv", "Add", "If"}
    assert "ConvInteger" not in {n.op_type for n in model.graph.node}
    x = np.linspace(-1, 1, 8, dtype=np.float32).reshape(1, 1, 8)
    expected = _run(_graph_reading_an_outer_value(quantized=False), x)
    # the 8-bit weights' rounding (1/254 at most) times three taps of |x| <= 1
    np.testing.assert_allclose(_run(model, x), expected, atol=3 / 254)


def test_a_float_export_is_left_exactly_as_it_was() -> None:
    model = _graph_reading_an_outer_value(quantized=False)
    before = model.SerializeToString()
    assert dequantize_graph(model.graph, ["generator_convs", "bert"]) == 0
    assert model.SerializeToString() == before
