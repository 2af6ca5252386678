"""The run's DAG as a Graphviz graph: each component coloured by what it did, with its duration."""

from __future__ import annotations

from tfxkit.report.collect import NodeState

STATE_COLORS = {  # fill, border
    "complete": ("#c7e9c0", "#238b45"),
    "cached": ("#c6dbef", "#2171b5"),
    "failed": ("#fcbba1", "#cb181d"),
    "skipped": ("#f0f0f0", "#969696"),
    "running": ("#fff7bc", "#cc9c00"),
    "abandoned": ("#fff7bc", "#cc9c00"),
    "canceled": ("#fff7bc", "#cc9c00"),  # Ctrl-C stopped it
}


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def state_label(node: NodeState) -> str:
    """'3.1 s', 'cached', 'FAILED after 2.0 s', 'skipped'."""
    if node.state == "cached":
        return "cached"
    took = f"{node.seconds:.1f} s" if node.seconds is not None else ""
    if node.state == "complete":
        return took or "complete"
    return f"{node.state.upper()}" + (f" after {took}" if took and node.state == "failed" else "")


def run_dag(nodes: list[NodeState], edges: list[tuple[str, str]]) -> str:
    """DOT text: left to right, a node per component, `id` attributes for the page's tests and links."""
    lines = ["digraph run {", "  rankdir=LR;",
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10, penwidth=1.4];']
    known = {n.id for n in nodes}
    for node in nodes:
        fill, border = STATE_COLORS.get(node.state, ("#ffffff", "#636363"))
        style = '"rounded,filled,dashed"' if node.state == "skipped" else '"rounded,filled"'
        lines.append(f"  {_quote(node.id)} [label={_quote(node.id + chr(10) + state_label(node))}, "
                     f"fillcolor={_quote(fill)}, color={_quote(border)}, style={style}, "
                     f"id={_quote('node-' + node.id)}, tooltip={_quote(node.id + ': ' + node.state)}];")
    for a, b in edges:
        if a in known and b in known:
            lines.append(f"  {_quote(a)} -> {_quote(b)};")
    return "\n".join([*lines, "}"]) + "\n"
