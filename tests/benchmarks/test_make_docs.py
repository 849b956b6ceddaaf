import pytest

from benchmarks import make_docs
from benchmarks.results_files import write_results


def test_committed_docs_match_the_committed_results():
    """README's results table and docs/benchmarks.md are generated, never hand-edited."""
    assert make_docs.main(["--check"]) == 0


def test_generate_replaces_only_between_the_markers():
    text = "intro\n<!-- generated:results -->\nold\n<!-- /generated:results -->\noutro\n"
    assert make_docs.generate(text, "results", "new") == (
        "intro\n<!-- generated:results -->\nnew\n<!-- /generated:results -->\noutro\n")
    with pytest.raises(ValueError, match="missing <!-- generated:other -->"):
        make_docs.generate(text, "other", "x")


def _ranking(ndcg: float, **extra) -> dict:
    return {"metrics": {"full": {"ndcg@10": ndcg, **extra}}}


def test_headline_and_sections_from_results_files(tmp_path):
    result = {"benchmark": "beauty", "seeds": 3, "seconds": 1.0, "rows": {
        "popularity": _ranking(0.005), "item-knn": _ranking(0.04),
        "ours": _ranking(0.055, **{"ndcg@10_std": 0.0006}),
        "ours + logistic-regression fusion (seed 0)": _ranking(0.06),
        "RecBole SASRec": _ranking(0.0572)}}
    write_results("beauty", result, table="| t |", results_dir=tmp_path, command="c",
                  plots={"curves": lambda path: path.write_bytes(b"png")})
    rows = make_docs.headline_rows(make_docs.read_results(tmp_path))
    assert rows[0][:3] == ("[beauty](benchmarks/results/beauty.md)",
                           "NDCG@10 0.0550 ± 0.0006 (3 seeds)",
                           "best other row: RecBole SASRec 0.0572 (0.96×)")
    section = make_docs.results_sections(tmp_path)
    assert section.startswith("### beauty\n\n| t |")
    assert "(../benchmarks/results/beauty-curves.png)" in section
