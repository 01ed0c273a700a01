"""`mockint rubric lint`: each rule, invalid files, JSON output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from mockint.authoring.lint import lint_paths
from mockint.cli import app

runner = CliRunner()


def rubric(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "cnn",
        "title": "CNN",
        "question": "What is a convolutional neural network?",
        "model_answer": "A CNN slides a small learned filter across the image and shares its weights.",
        "criteria": [
            {
                "id": "filter",
                "text": "A small learned filter slides across the image.",
                "checks": [{"concepts": [["filter", "kernel"], ["slides", "sliding"]]}],
            },
            {
                "id": "sharing",
                "text": "The filter weights are shared across positions.",
                "checks": [{"concepts": [["shares", "shared", "sharing"], ["weights"]]}],
            },
        ],
        "examples": [
            {"label": "strong", "answer": "A learned filter slides over the image with shared weights."},
            {"label": "weak", "answer": "It is a neural network."},
        ],
    }
    data.update(overrides)
    return data


def write(tmp_path: Path, data: dict[str, Any], name: str = "r.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def rules(path: Path) -> list[tuple[str, str]]:
    return [(f.rule, f.item) for f in lint_paths([path]).findings]


def test_clean_rubric_has_no_findings(tmp_path: Path) -> None:
    assert rules(write(tmp_path, rubric())) == []


def test_compound_and_vague_key_points(tmp_path: Path) -> None:
    data = rubric()
    data["criteria"][0]["text"] = "A small learned filter slides across the image, and deeper layers compose parts."
    data["criteria"][1]["text"] = "Understands weight sharing properly, etc."
    found = rules(write(tmp_path, data))
    assert ("compound-key-point", "criteria[0] (filter)") in found
    assert ("vague-key-point", "criteria[1] (sharing)") in found


def test_overlapping_key_points(tmp_path: Path) -> None:
    data = rubric()
    data["criteria"].append({**data["criteria"][0], "id": "filter-again"})
    assert ("overlapping-key-points", "criteria[2] (filter-again)") in rules(write(tmp_path, data))


def test_missing_checks_and_detectors(tmp_path: Path) -> None:
    data = rubric(mistakes=[{"id": "no-way", "text": "Explain CNN as splitting the image into pieces."}])
    data["criteria"][1]["checks"] = []
    found = rules(write(tmp_path, data))
    assert ("no-checks", "criteria[1] (sharing)") in found
    assert ("no-checks", "mistakes[0] (no-way)") in found


def test_check_that_never_matches_the_model_answer(tmp_path: Path) -> None:
    data = rubric()
    data["criteria"][1]["checks"] = [{"concepts": [["translation invariance"], ["pooling"]]}]
    assert ("check-never-matches", "criteria[1] (sharing)") in rules(write(tmp_path, data))


def test_detector_that_fires_on_the_model_answer(tmp_path: Path) -> None:
    data = rubric(mistakes=[{"id": "bad", "text": "Hand-crafted filters.", "detectors": [{"concepts": [["filter"]]}]}])
    assert ("detector-matches-model-answer", "mistakes[0] (bad)") in rules(write(tmp_path, data))


def test_generic_check_matches_several_other_questions_once_per_rubric(tmp_path: Path) -> None:
    data = rubric()
    data["criteria"][0]["checks"] = [{"concepts": [["image"]]}]
    data["criteria"][1]["checks"] = [{"concepts": [["image"]]}]
    write(tmp_path, data, "a.yaml")
    for name, question in (("vit", "vision transformer"), ("seg", "segmentation"), ("gan", "GAN")):
        other = rubric(id=name, question=f"What is a {question}?", model_answer=f"A {question} reads the image.")
        write(tmp_path, other, f"{name}.yaml")
    findings = lint_paths([tmp_path]).findings
    [generic] = [f for f in findings if f.rule == "generic-check" and f.file.endswith("a.yaml")]
    assert "gan, seg" in generic.message and "'filter', 'sharing'" in generic.message


def test_one_related_question_sharing_a_term_is_not_generic(tmp_path: Path) -> None:
    data = rubric()
    data["criteria"][1]["checks"] = [{"concepts": [["image"]]}]
    write(tmp_path, data, "a.yaml")
    write(
        tmp_path,
        rubric(id="vit", question="What is a vision transformer?", model_answer="It splits the image."),
        "b.yaml",
    )
    for name in ("c", "d", "e"):
        write(
            tmp_path,
            rubric(id=name, question=f"Question {name}?", model_answer="Something else entirely."),
            f"{name}.yaml",
        )
    assert not [f for f in lint_paths([tmp_path]).findings if f.rule == "generic-check"]


def test_list_items_sharing_the_question_wording_do_not_overlap(tmp_path: Path) -> None:
    data = rubric(question="What are the two main functions defined by a stack?", model_answer="push and pop")
    data["criteria"] = [
        {
            "id": "push",
            "text": "The two main functions defined by a stack include push.",
            "checks": [{"concepts": [["push"]]}],
        },
        {
            "id": "pop",
            "text": "The two main functions defined by a stack include pop.",
            "checks": [{"concepts": [["pop"]]}],
        },
    ]
    data["examples"] = [{"label": "strong", "answer": "push and pop"}, {"label": "weak", "answer": "a list"}]
    assert rules(write(tmp_path, data)) == []
    data["criteria"][1]["checks"] = [{"concepts": [["push"]]}]  # the same check: a real overlap
    assert ("overlapping-key-points", "criteria[1] (pop)") in rules(write(tmp_path, data))


def test_missing_examples(tmp_path: Path) -> None:
    assert ("missing-examples", "") in rules(write(tmp_path, rubric(examples=[])))
    only_strong = rubric(examples=[{"label": "strong", "answer": "A filter slides."}])
    [finding] = [f for f in lint_paths([write(tmp_path, only_strong)]).findings if f.rule == "missing-examples"]
    assert "no weak example" in finding.message


def test_invalid_rubric_is_an_error_with_file_line_field(tmp_path: Path) -> None:
    data = rubric()
    data["criteria"][1]["weight"] = -1
    path = write(tmp_path, data)
    result = runner.invoke(app, ["rubric", "lint", str(path)])
    assert result.exit_code == 1
    assert f"{path}:" in result.stdout and "criteria[1].weight" in result.stdout and "[invalid]" in result.stdout
    assert "Traceback" not in result.output


def test_cli_exit_codes_and_json(tmp_path: Path) -> None:
    data = rubric(examples=[])
    path = write(tmp_path, data)
    result = runner.invoke(app, ["rubric", "lint", str(path), "--format", "json"])
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["errors"] == 0 and report["warnings"] == 1
    assert report["findings"][0]["rule"] == "missing-examples"
    shipped = runner.invoke(app, ["rubric", "lint"])
    assert shipped.exit_code == 0 and "0 error(s)" in shipped.stdout
