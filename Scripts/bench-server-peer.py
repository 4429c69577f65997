"""FastAPI + uvicorn peer for Scripts/bench-server.sh (issue 21): answers the same two endpoints
with the same JSON bytes the CustomerHeat server answered (captured by the script). It only checks
that a bearer token is present (no JWT verification, no policy, no access log, no scoring): a
lower bound on the peer stack's cost, so the comparison favours the peer. Not used by the Swift
tests or CI.

    PEER_POPULATION=population.json PEER_SCORE=score.json uvicorn bench-server-peer:app --port 8181
"""
import os

from fastapi import FastAPI, Header, HTTPException, Request
from fastapi.responses import Response

app = FastAPI()
POPULATION = open(os.environ["PEER_POPULATION"], "rb").read()
SCORE = open(os.environ["PEER_SCORE"], "rb").read()


def check(authorization):
    if not authorization or not authorization.startswith("Bearer "):
        raise HTTPException(status_code=401, detail="missing_token")


@app.get("/v1/population")
def population(authorization: str = Header(default=None)):
    check(authorization)
    return Response(POPULATION, media_type="application/json; charset=utf-8")


@app.post("/v1/score")
async def score(request: Request, authorization: str = Header(default=None)):
    check(authorization)
    await request.json()
    return Response(SCORE, media_type="application/json; charset=utf-8")
