"""What `storecast train` and `storecast models list` tell a user about a saved model."""

from __future__ import annotations


def test_train_says_how_good_the_model_is_and_how_to_use_it(run_main, model_path, synthetic_dir, monkeypatch):
    """Was the path alone: the held-out score sat in the card, the next command in the README. stdout keeps only
    the path, for scripts. (The fit is the session's tiny model: this tests what is said about it.)"""
    import storecast.train_run as train_run

    monkeypatch.setattr(train_run, "train_bundle", lambda *a, **k: model_path)
    code, out, err = run_main("train", "--data", str(synthetic_dir), "--seeds", "1")
    said = " ".join(err.split())
    assert code in (0, None), err
    assert out.strip() == str(model_path)
    assert f"saved {model_path} (fit through " in said and "held out of a first fit; intervals 80%, 95%)" in said
    assert f"forecast with: storecast predict --model {model_path} --data {synthetic_dir} --out predictions.csv" in said


def test_models_list_shows_each_file_name_whole(run_main, models_dir, model_path, monkeypatch):
    """Piped output (80 columns) folded the name over two lines, so it could not be copied into --model."""
    monkeypatch.delenv("COLUMNS", raising=False)
    code, _, err = run_main("models", "list", "--models-dir", str(models_dir))
    assert code in (0, None) and model_path.name in err, err


def test_a_model_file_given_to_train_or_evaluate_points_to_predict(run_main, tmp_path):
    """`--model` is a file for predict, plan and serve but a kind here: was "must be lgbm or rf" and no way on."""
    code, _, err = run_main("evaluate", "--data", str(tmp_path), "--model", "models/X.skops")
    said = " ".join(err.replace("│", " ").split())
    assert code == 2 and "`--model` here is a model kind, lgbm or rf, not a model file; got 'models/X.skops'" in said
    assert "storecast predict --model models/X.skops --data DIR --input later.csv" in said
