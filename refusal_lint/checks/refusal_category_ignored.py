"""RFL010 refusal-category-ignored."""

from __future__ import annotations

import ast

from refusal_lint.catalog import Catalog, Signal
from refusal_lint.facts import Branch, Dispatch
from refusal_lint.loudness import carries, is_quiet_call, walk_body
from refusal_lint.rule import Context, Rule

CATEGORY_FIELD = "stop_details"
CATEGORY_NAMES = frozenset({"stop_details", "category"})


class RefusalCategoryIgnored(Rule):
    """
    ## What it does
    Checks branches taken on an Anthropic refusal (`stop_reason == "refusal"`, for the
    Messages API, its Bedrock / Vertex clients and an InvokeModel body with Claude's
    fields) whose body never reads `stop_details` or its `category`, and does not hand
    the message on (returning it, raising or calling with it).

    Off by default: enable it with `extend-select = ["RFL010"]` where refusals need a
    per-category policy.

    ## Why is this bad?
    Anthropic says *why* it refused in `stop_details.category` (`cyber`, `bio`,
    `frontier_llm`, `reasoning_extraction`, `general_harms`, or null). A branch that
    ignores it treats every refusal alike: it cannot route one category to a human
    reviewer, retry another on a different model, or report which policy fired.

    ## Example
    ```python
    import logging

    log = logging.getLogger(__name__)


    def reply(message) -> str:
        if message.stop_reason == "refusal":
            log.warning("model refused")
            raise RuntimeError("refused")
        return message.content[0].text
    ```

    Use instead:
    ```python
    import logging

    log = logging.getLogger(__name__)


    def reply(message) -> str:
        if message.stop_reason == "refusal":
            category = message.stop_details.category if message.stop_details else None
            log.warning("model refused (category %s)", category)
            raise RuntimeError(f"refused: {category}")
        return message.content[0].text
    ```

    ## Known limitations
    Only value branches count (`if`/`elif`/`match` on the stop reason); a translation
    function (every branch returns a constant) is judged by RFL006 instead, and a branch
    that does nothing at all is RFL005's. The Claude Agent SDK's `ResultMessage` carries
    no category, so modules that use only that SDK never get this rule. Reading the
    category anywhere outside the branch (before the dispatch, in a helper it calls
    without the message) is not seen.
    """

    code = "RFL010"
    name = "refusal-category-ignored"
    summary = "An Anthropic refusal branch never reads stop_details.category"
    pylint_id = "W9710"
    default_enabled = False

    def check_dispatch(self, dispatch: Dispatch, ctx: Context) -> None:
        if dispatch.translation:
            return  # a table in code: RFL006's
        refusal = {v for s in _category_families(dispatch.families, ctx.catalog) for v in s.refusal}
        if not refusal:
            return
        handed_on = dispatch.subject.carriers - dispatch.subject.signal_texts
        for branch in dispatch.refusal_branches:
            if not branch.values & refusal or branch.trivially_silent:
                continue
            if _reads_category(branch.body) or _hands_on(branch, frozenset(handed_on)):
                continue
            ctx.report(
                self,
                branch.node,
                f"the refusal branch of `{dispatch.subject.text}` never reads "
                "`stop_details.category`: every refusal category is handled alike",
            )


def _category_families(families: tuple[Signal, ...], catalog: Catalog) -> list[Signal]:
    """The signals whose provider reports a refusal category in the message's `stop_details`."""
    found = []
    for signal in families:
        try:
            provider = catalog.provider(signal.provider)
        except KeyError:
            continue
        # On the message itself (not LiteLLM's provider_specific_fields copy).
        if provider.refusal_category_field.startswith(CATEGORY_FIELD):
            found.append(signal)
    return found


def _reads_category(body: list[ast.stmt]) -> bool:
    """`.stop_details`, `["stop_details"]`, `.get("category")`, a `category` variable."""
    for node in walk_body(body):
        if isinstance(node, ast.Attribute) and node.attr in CATEGORY_NAMES:
            return True
        if isinstance(node, ast.Constant) and node.value in CATEGORY_NAMES:
            return True
        if isinstance(node, ast.Name) and ("category" in node.id or node.id == CATEGORY_FIELD):
            return True
    return False


def _hands_on(branch: Branch, carriers: frozenset[str]) -> bool:
    """The branch returns, raises or passes on the message the signal was read from."""
    if not carriers:
        return False
    for node in walk_body(branch.body):
        if isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom)) and carries(
            node.value, carriers
        ):
            return True
        if isinstance(node, ast.Raise) and carries(node.exc, carriers):
            return True
        if isinstance(node, ast.Call) and not is_quiet_call(node):
            args = [*node.args, *(k.value for k in node.keywords)]
            if any(carries(arg, carriers) for arg in args):
                return True
    return False
