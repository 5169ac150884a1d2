"""Parts of Kokoro's int8 ONNX export computed in float again, where 8-bit activations cost the
voice.

The export is dynamically quantized: each ``ConvInteger`` and ``MatMulInteger`` node takes its
input through ``DynamicQuantizeLinear``, which rounds the activations to 8 bits, and multiplies
by 8-bit weights; a ``Cast`` and a ``Mul`` by the two scales bring the result back to float
(with, for some convolutions, an integer bias added before the ``Cast``). Rewriting a node as a
float ``Conv``/``MatMul`` on the float input, with the weights dequantized once from their 8-bit
values and the bias in float, keeps the export's weights exactly and drops only the rounding of
the activations.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable
from pathlib import Path
from typing import Any

#: Groups of integer nodes, by the prefixes of their names in the export.
GROUPS: dict[str, tuple[str, ...]] = {
    "bert": ("/encoder/bert/", "/encoder/bert_encoder/"),
    "text_encoder": ("/encoder/text_encoder/",),
    "duration": ("/encoder/predictor/",),
    "prosody": ("/encoder/F0", "/encoder/N", "/encoder/shared/"),
    "decoder_front": (
        "/decoder/decoder/encode/",
        "/decoder/decoder/decode.",
        "/decoder/decoder/F0_conv/",
        "/decoder/decoder/N_conv/",
        "/decoder/decoder/asr_res/",
    ),
    "generator_convs": ("/decoder/decoder/generator/",),  # ConvInteger only: see _in_group
    "generator_adain": ("/decoder/decoder/generator/",),  # MatMulInteger only
}
_FLOAT_OP = {"ConvInteger": "Conv", "MatMulInteger": "MatMul"}
_ONLY = {"generator_convs": "ConvInteger", "generator_adain": "MatMulInteger"}


def dequantize(source: Path, target: Path, groups: Iterable[str]) -> int:
    """Write ``source`` with the integer nodes of ``groups`` in float to ``target``; how many
    nodes were rewritten."""
    import onnx

    proto = onnx.load(str(source))
    count = dequantize_graph(proto.graph, list(groups))
    onnx.save(proto, str(target))
    return count


def dequantize_graph(graph: Any, groups: list[str]) -> int:
    """Rewrite in place; see :func:`dequantize`."""
    from onnx import helper, numpy_helper

    initializers = {i.name: i for i in graph.initializer}
    producer = {out: node for node in graph.node for out in node.output}
    consumers: dict[str, list[Any]] = defaultdict(list)
    for node in graph.node:
        for name in node.input:
            consumers[name].append(node)

    def only_consumer(name: str) -> Any:
        (node,) = consumers[name]
        return node

    removed: set[str] = set()  # node names (unique in an export)
    replacing: dict[str, Any] = {}  # the name of the node each new node takes the place of
    for node in graph.node:
        if node.op_type not in _FLOAT_OP or not _in_group(node, groups):
            continue
        quantize = producer[node.input[0]]
        after = only_consumer(node.output[0])
        bias_add = after if after.op_type == "Add" else None
        cast = only_consumer(bias_add.output[0]) if bias_add is not None else after
        scale_mul = only_consumer(cast.output[0])
        assert quantize.op_type == "DynamicQuantizeLinear" and cast.op_type == "Cast"
        assert scale_mul.op_type == "Mul"
        scales = producer[scale_mul.input[1]]
        (w_scale_name,) = [name for name in scales.input if name in initializers]
        weights = numpy_helper.to_array(initializers[node.input[1]]).astype("float32")
        zero = numpy_helper.to_array(initializers[node.input[3]]).astype("float32")
        scale = numpy_helper.to_array(initializers[w_scale_name]).astype("float32")
        if node.op_type == "ConvInteger" and scale.ndim == 1:
            scale = scale.reshape(-1, *([1] * (weights.ndim - 1)))
        float_weights = f"{node.input[1]}_float"
        if float_weights not in initializers:  # ALBERT's layers share their weights
            initializers[float_weights] = numpy_helper.from_array(
                (weights - zero) * scale, float_weights
            )
            graph.initializer.append(initializers[float_weights])
        inputs = [quantize.input[0], float_weights]
        if bias_add is not None:
            channels = weights.shape[0] if node.op_type == "ConvInteger" else weights.shape[-1]
            inputs.append(_float_bias(bias_add, channels, producer, initializers))
        float_node = helper.make_node(
            _FLOAT_OP[node.op_type],
            inputs,
            [scale_mul.output[0]],
            name=f"{node.name}_float",
        )
        float_node.attribute.extend(node.attribute)
        replacing[scale_mul.name] = float_node
        removed.update(n.name for n in (node, cast, *([bias_add] if bias_add else [])))
    if not replacing:  # a float export, or one quantized otherwise: left exactly as it is
        return 0
    _replace_nodes(graph, removed, replacing)
    _drop_unused(graph)
    return len(replacing)


def _in_group(node: Any, groups: list[str]) -> bool:
    for group in groups:
        if _ONLY.get(group, node.op_type) != node.op_type:
            continue
        if node.name.startswith(GROUPS[group]):
            return True
    return False


def _float_bias(
    bias_add: Any, channels: int, producer: dict[str, Any], initializers: dict[str, Any]
) -> str:
    """The float bias that the export quantizes at run time for ``bias_add``: the float
    initializer of ``channels`` values its integer bias is computed from."""
    pending, seen = deque([bias_add.input[1]]), set()
    while pending:  # breadth first: the nearest such initializer, a few nodes up
        name = pending.popleft()
        found = initializers.get(name)
        if found is not None and found.data_type == 1 and list(found.dims) == [channels]:
            return name
        if name in producer and name not in seen:
            seen.add(name)
            pending.extend(producer[name].input)
    raise ValueError(f"no float bias found for {bias_add.name}")


def _replace_nodes(graph: Any, removed: set[str], replacing: dict[str, Any]) -> None:
    nodes = []
    for node in graph.node:
        if node.name in replacing:
            nodes.append(replacing[node.name])
        elif node.name not in removed:
            nodes.append(node)
    del graph.node[:]
    graph.node.extend(nodes)


def _drop_unused(graph: Any) -> None:
    """Remove nodes and initializers nothing uses any more (the activations' quantizers)."""
    outputs = {o.name for o in graph.output}
    nodes = list(graph.node)
    while True:
        used = outputs | _names_used(nodes)
        kept = [n for n in nodes if any(o in used for o in n.output if o)]
        if len(kept) == len(nodes):
            break
        nodes = kept
    if len(nodes) != len(graph.node):
        del graph.node[:]
        graph.node.extend(nodes)
    used = _names_used(graph.node)
    initializers = [i for i in graph.initializer if i.name in used]
    if len(initializers) != len(graph.initializer):
        del graph.initializer[:]
        graph.initializer.extend(initializers)


def _names_used(nodes: Iterable[Any]) -> set[str]:
    """The names ``nodes`` read, including those their subgraphs (a ``Loop``'s body, an ``If``'s
    branches) read from the enclosing graph by name, without listing them as inputs."""
    used: set[str] = set()
    for node in nodes:
        used.update(node.input)
        for attribute in node.attribute:
            subgraphs = [attribute.g] if attribute.HasField("g") else list(attribute.graphs)
            for subgraph in subgraphs:
                used |= _names_used(subgraph.node)
    return used
