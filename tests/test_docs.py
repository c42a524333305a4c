"""The README and docs/ hold together: every link between them resolves, to a file and a
heading that exist, and they refer to nothing outside the repository."""

import re

import pytest

from tests.servers import PROJECT_DIR

# A path out of the checkout, a machine's own folders, or a document that lives elsewhere.
OUTSIDE = r"(?<!\.)\.\./[\w.-]+|/(?:work|home|root|Users)/\S+|\bissue \d+|design card|style guide"

DOCUMENTS = [PROJECT_DIR / "README.md", *sorted((PROJECT_DIR / "docs").glob("*.md"))]


def prose(document):
    """The document without its code blocks (a `](` in code is not a link)."""
    return re.sub(r"^```.*?^```", "", document.read_text(encoding="utf-8"), flags=re.MULTILINE | re.DOTALL)


def heading_anchors(document):
    """The anchors a Markdown renderer makes of the document's headings (GitHub's rule)."""
    headings = re.findall(r"^#+ (.+)$", prose(document), flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-") for heading in headings}


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_every_link_between_the_documents_resolves(document):
    broken = []
    for link in re.findall(r"\]\(([^)\s]+)\)", prose(document)):
        if re.match(r"[a-z]+:", link):
            continue  # a web address
        path, _, anchor = link.partition("#")
        target = (document.parent / path).resolve() if path else document
        if not target.is_relative_to(PROJECT_DIR) or not target.exists():
            broken.append(link)
        elif anchor and target.suffix == ".md" and anchor not in heading_anchors(target):
            broken.append(link)

    assert broken == []


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_the_documents_refer_to_nothing_outside_the_repository(document):
    text = document.read_text(encoding="utf-8")

    outside = re.findall(OUTSIDE, text, flags=re.IGNORECASE)

    assert outside == []
