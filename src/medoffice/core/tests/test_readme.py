from pathlib import Path

from medoffice.core.permissions import matrix_markdown

README = Path(__file__).resolve().parents[4] / "README.md"


def test_readme_documents_the_current_matrix():
    assert matrix_markdown() in README.read_text(), (
        "README's role table differs: paste `medoffice roles`"
    )
