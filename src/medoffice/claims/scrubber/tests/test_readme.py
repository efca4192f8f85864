"""The README's rules table lists every rule, with its severity and CARCs, so it cannot drift."""

from pathlib import Path

from medoffice.claims.scrubber import RULES

README = Path(__file__).resolve().parents[5] / "README.md"


def test_readme_lists_every_rule():
    text = README.read_text()
    section = text.split("## Claim scrubber", 1)[1].split("\n## ", 1)[0]
    for rule in RULES.values():
        row = f"| `{rule.id}` | {rule.severity} | {rule.checks} | {', '.join(rule.carcs)} |"
        assert row in section, f"README's Claim scrubber table lacks or differs for {rule.id}"
    listed = section.count("\n| `")
    assert listed == len(RULES), "README lists a rule the scrubber does not have"
