"""The built-in rules, in code order. An explicit list: no import-time scanning."""

from __future__ import annotations

from refusal_lint.checks.assert_on_stop_reason import AssertOnStopReason
from refusal_lint.checks.internal_error import InternalError
from refusal_lint.checks.lossy_stop_mapping import LossyStopMapping
from refusal_lint.checks.missing_refusal_branch import MissingRefusalBranch
from refusal_lint.checks.refusal_category_ignored import RefusalCategoryIgnored
from refusal_lint.checks.refusal_not_distinguished import RefusalNotDistinguished
from refusal_lint.checks.refusal_path_untested import RefusalPathUntested
from refusal_lint.checks.silent_default_branch import SilentDefaultBranch
from refusal_lint.checks.silent_refusal_branch import SilentRefusalBranch
from refusal_lint.checks.swallowed_policy_error import SwallowedPolicyError
from refusal_lint.checks.unchecked_response import UncheckedResponse
from refusal_lint.checks.unchecked_stream import UncheckedStream
from refusal_lint.checks.unknown_stop_value import UnknownStopValue
from refusal_lint.checks.unparseable_file import UnparseableFile
from refusal_lint.checks.unused_noqa import UnusedNoqa
from refusal_lint.rule import Rule

ALL_RULES: tuple[type[Rule], ...] = (
    MissingRefusalBranch,
    SilentDefaultBranch,
    UncheckedResponse,
    UncheckedStream,
    SilentRefusalBranch,
    LossyStopMapping,
    UnknownStopValue,
    AssertOnStopReason,
    RefusalNotDistinguished,
    RefusalCategoryIgnored,
    SwallowedPolicyError,
    RefusalPathUntested,
    UnparseableFile,
    InternalError,
    UnusedNoqa,
)
