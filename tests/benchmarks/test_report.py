import numpy as np

from benchmarks.report import markdown_table, ranking_plots
from benchmarks.results_files import read_results, write_results
from benchmarks.suites.ranking import _mean_std


def _row(ndcg):
    return {"metrics": {"full": {"hr@10": 0.2, "ndcg@10": ndcg, "hr@20": 0.3, "ndcg@20": 0.1,
                                 "mrr": 0.05, "count": 10},
                        "sampled_100": {"hr@10": 0.5, "ndcg@10": 0.3, "count": 10}},
            "best_epoch": 2, "epochs": 4, "seconds_per_epoch": 1.5, "eval_seconds": 0.1}


def test_mean_std_over_seeds_and_table(tmp_path):
    ours = _mean_std([_row(0.10), _row(0.14)])
    assert np.isclose(ours["metrics"]["full"]["ndcg@10"], 0.12)
    assert np.isclose(ours["metrics"]["full"]["ndcg@10_std"], 0.02)
    peer = {**_row(0.08), "epochs": 40, "best_epoch": 40, "stopped": "max_epochs",
            "measured": "2026-11-23"}
    result = {"benchmark": "toy", "rows": {"ours": ours, "popularity": _row(0.05),
                                           "RecBole GRU4Rec": peer},
              "published": [("X (paper)", 0.09, 0.05)], "curves": {"ours": [0.1, 0.12]},
              "hit_rate_at_k": {"ours": [0.1] * 50}, "seconds": 1.0}
    table = markdown_table(result)
    assert "| ours | 0.2000 | 0.1200 ± 0.0200 |" in table
    assert "| 40 (40), capped | 1.5 | 2026-11-23 |" in table
    assert "NDCG@10 (100 neg.)" in table and "X (paper) (published) | 0.0900 | 0.0500" in table
    paths = write_results("toy", result, table=table, results_dir=tmp_path,
                          command="recsys-tf bench toy", plots=ranking_plots(result))
    assert [p.name for p in paths] == ["toy.json", "toy.md", "toy-curves.png", "toy-hr-at-k.png"]
    assert all(path.is_file() and path.stat().st_size for path in paths)
    stored = read_results(tmp_path)["toy"]
    assert stored["rows"]["ours"]["metrics"]["full"]["ndcg@10"] == ours["metrics"]["full"][
        "ndcg@10"]
    assert stored["stamp"]["command"] == "recsys-tf bench toy"
    assert set(stored["stamp"]) == {"date", "commit", "machine", "command"}
    text = paths[1].read_text()
    assert table in text and "![toy-curves](toy-curves.png)" in text
    assert "with `recsys-tf bench toy` (1.0 s)." in text
