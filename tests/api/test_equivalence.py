"""Served predictions equal ``predict_frame`` exactly: batches over HTTP and micro-batched singles."""

from __future__ import annotations

import asyncio

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.api.batching import MicroBatcher
from storecast.data.request_rows import RequestRows
from storecast.predict import predict_frame


def _request_rows(test: pd.DataFrame) -> list[dict]:
    return [
        {"id": int(i), "store": int(st), "date": f"{d:%Y-%m-%d}", "open": int(o), "promo": int(p),
         "state_holiday": str(h), "school_holiday": int(sh)}
        for i, st, d, o, p, h, sh in zip(
            test[s.ID], test[s.STORE], test[s.DATE], test[s.OPEN], test[s.PROMO],
            test[s.STATE_HOLIDAY], test[s.SCHOOL_HOLIDAY], strict=True)
    ]


def test_served_equals_predict_frame_on_every_test_row(client, bundle, dataset):
    test = dataset.test
    assert test is not None and len(test) > 0
    offline = predict_frame(bundle, test)
    rows = _request_rows(test)
    served = []
    for k in range(0, len(rows), 250):
        r = client.post("/predict", json={"rows": rows[k:k + 250]})
        assert r.status_code == 200
        served.extend(r.json()["predictions"])
    assert [p["id"] for p in served] == offline[s.ID].tolist()
    for col, key in ((s.SALES, "sales"), ("lower", "lower"), ("upper", "upper")):
        got = np.array([p[key] for p in served])
        np.testing.assert_array_equal(got, offline[col].to_numpy(dtype=float))


def test_concurrent_single_rows_share_calls_and_stay_exact(bundle, dataset):
    test = dataset.test.head(60).reset_index(drop=True)
    offline = predict_frame(bundle, test)
    calls = []

    def run(rows: RequestRows):
        calls.append(len(rows))
        out = predict_frame(bundle, rows)  # as ServedModel.predict calls it
        return tuple(out[c].to_numpy(dtype=float) for c in (s.SALES, "lower", "upper"))

    def columns(i: int):
        r = test.iloc[i]
        day = (np.datetime64(r[s.DATE], "D") - np.datetime64("1970-01-01", "D")).astype(np.int64)
        return RequestRows([r[s.STORE]], [day], [r[s.OPEN]], [r[s.PROMO]], [str(r[s.STATE_HOLIDAY])],
                           [r[s.SCHOOL_HOLIDAY]])

    async def main():
        batcher = MicroBatcher(run)
        return await asyncio.gather(*(batcher.predict(columns(i)) for i in range(len(test))))

    results = asyncio.run(main())
    assert sum(calls) == len(test) and len(calls) < len(test)  # requests were merged
    got = np.array([[r[0][0], r[1][0], r[2][0]] for r in results])
    np.testing.assert_array_equal(got, offline[[s.SALES, "lower", "upper"]].to_numpy(dtype=float))


def test_a_failing_request_does_not_fail_its_batch_neighbours():
    def run(rows: RequestRows):
        if (rows.store < 0).any():
            raise ValueError("bad store")
        return rows.store * 1.0, rows.store * 0.5, rows.store * 2.0

    def one(store: int):
        return RequestRows([store], [0], [1], [0], ["0"], [0])

    async def main():
        batcher = MicroBatcher(run)
        return await asyncio.gather(*(batcher.predict(one(v)) for v in (1, 2, -1, 4)),
                                    return_exceptions=True)

    out = asyncio.run(main())
    assert isinstance(out[2], ValueError)
    assert [float(o[0][0]) for k, o in enumerate(out) if k != 2] == [1.0, 2.0, 4.0]


def test_requests_for_the_same_store_share_a_call_yet_predict_as_alone(bundle, dataset):
    """Merged, each request keeps its own schedule: a store's days in another request are no context.

    Without that, the 3 + 3 days of one store below, merged, would read the gap between them as a closure.
    """
    store = int(dataset.test[s.STORE].iloc[0])
    first = np.datetime64(dataset.test[s.DATE].min(), "D").astype(np.int64)

    def request(store_id: int, days: list[int]):
        n = len(days)
        return RequestRows(np.full(n, store_id), first + np.array(days), np.ones(n), np.zeros(n), ["0"] * n,
                           np.zeros(n))

    calls = []

    def run(rows: RequestRows):
        calls.append(int((rows.store == store).sum()))  # rows of the shared store in this call
        out = predict_frame(bundle, rows)  # as ServedModel.predict calls it
        return tuple(out[c].to_numpy(dtype=float) for c in (s.SALES, "lower", "upper"))

    other = int(dataset.test[s.STORE].iloc[-1])
    asks = [request(store, [0, 1, 2]), request(other, [0, 1]), request(store, [9, 10, 11])]

    async def main():
        batcher = MicroBatcher(run)
        return await asyncio.gather(*(batcher.predict(a) for a in asks))

    results = asyncio.run(main())
    assert calls == [6]  # all three requests in one call: 3 + 3 rows of the shared store
    calls.clear()
    for ask, got in zip(asks, results, strict=True):
        alone = run(ask)
        for a, b in zip(got, alone, strict=True):
            np.testing.assert_array_equal(a, b)


def test_the_same_store_and_day_in_two_requests_share_a_call_and_predict_as_alone(bundle, dataset):
    """``/predict`` refuses a (store, date) twice in one request, never across requests: merged, each is its
    own schedule, so the same day asked open in one request and closed around it in another stays exact."""
    store = int(dataset.test[s.STORE].iloc[0])
    first = np.datetime64(dataset.test[s.DATE].min(), "D").astype(np.int64)
    days = first + np.arange(5)
    asks = [RequestRows(np.full(5, store), days, [1, 1, 1, 1, 1], np.zeros(5), ["0"] * 5, np.zeros(5)),
            RequestRows(np.full(5, store), days, [1, 0, 0, 0, 1], np.zeros(5), ["0"] * 5, np.zeros(5))]
    calls = []

    def run(rows: RequestRows):
        calls.append(len(rows))
        out = predict_frame(bundle, rows)
        return tuple(out[c].to_numpy(dtype=float) for c in (s.SALES, "lower", "upper"))

    async def main():
        batcher = MicroBatcher(run)
        return await asyncio.gather(*(batcher.predict(a) for a in asks))

    results = asyncio.run(main())
    assert calls == [10]
    for ask, got in zip(asks, results, strict=True):
        for a, b in zip(got, run(ask), strict=True):
            np.testing.assert_array_equal(a, b)


def test_a_request_that_breaks_the_contract_runs_alone():
    calls = []

    def run(rows: RequestRows):
        calls.append(len(rows))
        return rows.store * 1.0, rows.store * 0.5, rows.store * 2.0

    good = RequestRows([1], [16600], [1], [0], ["0"], [0])
    bad = RequestRows([2], [16600], [1], [0], ["x"], [0])  # StateHoliday "x": validate_rows must word it

    async def main():
        batcher = MicroBatcher(run)
        return await asyncio.gather(*(batcher.predict(r) for r in (good, good, bad, good, good)))

    asyncio.run(main())
    assert calls == [2, 1, 2]  # the good ones merged up to the bad one, which runs alone


def test_a_request_cancelled_during_a_failed_merged_call_is_not_retried():
    """A merged call that fails is retried request by request; a request whose client left meanwhile was
    predicted again anyway, holding the one predict thread for an answer no one reads."""
    import threading

    queued, started, gate = threading.Event(), threading.Event(), threading.Event()
    calls: list[list[int]] = []

    def run(rows: RequestRows):
        calls.append(rows.store.tolist())
        if len(calls) == 1:
            queued.wait(5)  # the first call lasts until the two others wait in the queue
        if len(rows) > 1:
            started.set()
            gate.wait(5)
            raise ValueError("merged call failed")
        return rows.store * 1.0, rows.store * 0.5, rows.store * 2.0

    def one(store: int):
        return RequestRows([store], [16_648], [1], [0], ["0"], [0])  # 2015-08-01: in the contract, so merged

    async def main():
        batcher = MicroBatcher(run)
        first = asyncio.ensure_future(batcher.predict(one(1)))
        await asyncio.sleep(0)  # the first request's call starts alone
        kept, left = (asyncio.ensure_future(batcher.predict(one(v))) for v in (2, 3))
        await asyncio.sleep(0)  # both queued behind the running call
        queued.set()
        await first
        await asyncio.to_thread(started.wait, 5)  # the two others run merged now
        left.cancel()
        gate.set()
        got = await kept
        await batcher.predict(one(4))  # served after whatever the failed call's retries still hold
        return got

    got = asyncio.run(main())
    assert float(got[0][0]) == 2.0
    assert calls == [[1], [2, 3], [2], [4]]


def test_the_batcher_holds_its_running_drain_task_while_a_batch_is_in_flight():
    """The drain task was made with create_task and no reference kept: the loop holds tasks weakly, so it
    could be garbage-collected mid-flight, leaving the batch's requests without an answer."""
    import threading

    running, gate = threading.Event(), threading.Event()

    def run(rows: RequestRows):
        running.set()
        gate.wait(5)
        return rows.store * 1.0, rows.store * 0.5, rows.store * 2.0

    async def main():
        batcher = MicroBatcher(run)
        asked = asyncio.ensure_future(batcher.predict(RequestRows([7], [16_648], [1], [0], ["0"], [0])))
        await asyncio.to_thread(running.wait, 5)  # the batch is in predict now
        held = batcher.drainer
        in_flight = isinstance(held, asyncio.Task) and not held.done()
        gate.set()
        got = await asked
        return in_flight, got

    in_flight, got = asyncio.run(main())
    assert in_flight
    assert float(got[0][0]) == 7.0
