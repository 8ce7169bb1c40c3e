"""A bare FastAPI endpoint: the reference for the API's throughput in ``bench/api_load.sh`` (issue 16).

Same stack as ``storecast serve`` (FastAPI on uvicorn with httptools and uvloop, one worker), same
request bodies; it reads the body and answers a constant, so its requests per second are what the
framework and the loopback cost on this machine in the same run: the ceiling a model server can
approach, not a target it can reach.
"""

from __future__ import annotations

from fastapi import FastAPI, Request

app = FastAPI()


@app.post("/predict")
async def predict(request: Request) -> dict:
    """Read the body, answer a constant."""
    await request.body()
    return {"predictions": []}
