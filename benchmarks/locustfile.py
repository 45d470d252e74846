"""Load: the personas' mixed journeys against a demo instance (Locust).

    SIG_INSTANCE_PATH=/tmp/sig-load .venv/bin/sig init-instance --demo
    SIG_INSTANCE_PATH=/tmp/sig-load .venv/bin/sig db upgrade
    SIG_INSTANCE_PATH=/tmp/sig-load .venv/bin/sig demo load
    SIG_INSTANCE_PATH=/tmp/sig-load .venv/bin/gunicorn -w 2 -b 127.0.0.1:5000 'sig:create_app()' &
    .venv/bin/locust -f benchmarks/locustfile.py --headless -u 50 -r 10 -t 2m \\
        --host http://127.0.0.1:5000

(``make load`` does all of it.)  Each simulated user logs in as one persona and follows
that persona's day: Sara reads her cases, meetings and plans and writes minutes; Per, Kim
and Lo read the cases they are in; Maria reads the statistics; Eva the access log; Fred
tries a case he is not in — a 404 is the right answer for him and counts as success.
"""
from __future__ import annotations

import random  # the journeys' choices, not secrets
import re

from locust import HttpUser, between, task

from sig.demo import DEMO_PASSWORD as PASSWORD  # printed by `sig demo load`


def _pick(options: list[str]) -> str:
    return random.choice(options)  # noqa: S311 - which page to read next, not a secret


TOKEN = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
CASE_LINK = re.compile(r'href="/cases/([0-9a-f-]{36})"')
MEETING_LINK = re.compile(r'href="(/cases/[0-9a-f-]{36}/meetings/[0-9a-f-]{36})"')


class Persona(HttpUser):
    abstract = True
    username = ""
    works_in_cases = True
    wait_time = between(1, 4)

    def on_start(self) -> None:
        page = self.client.get("/login", name="/login").text
        token = TOKEN.search(page).group(1)
        with self.client.post("/login", name="/login [POST]", allow_redirects=False,
                              data={"username": self.username, "password": PASSWORD,
                                    "csrf_token": token}, catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"login of {self.username} answered {response.status_code}")
        self.cases = (CASE_LINK.findall(self.client.get("/cases", name="/cases").text)
                      if self.works_in_cases else [])

    def _case_page(self) -> str:
        if not self.cases:
            return ""
        return self.client.get(f"/cases/{_pick(self.cases)}",
                               name="/cases/[id]").text

    def _meeting_page(self, case_page: str) -> None:
        meetings = MEETING_LINK.findall(case_page)
        if meetings:
            self.client.get(_pick(meetings), name="/cases/[id]/meetings/[id]")


class Sara(Persona):
    username = "sara"
    weight = 4

    @task(4)
    def start_page(self) -> None:
        self.client.get("/start", name="/start")

    @task(6)
    def case_and_meeting(self) -> None:
        self._meeting_page(self._case_page())

    @task(1)
    def print_plan(self) -> None:
        if self.cases:
            self.client.get(f"/cases/{_pick(self.cases)}/print", name="/cases/[id]/print")

    @task(1)
    def write_minutes(self) -> None:
        meetings = MEETING_LINK.findall(self._case_page())
        if not meetings:
            return
        meeting = _pick(meetings)
        page = self.client.get(meeting, name="/cases/[id]/meetings/[id]").text
        tokens = TOKEN.findall(page)
        if meeting + "/minutes" in page and tokens:
            with self.client.post(meeting + "/minutes", allow_redirects=False,
                                  name="/cases/[id]/meetings/[id]/minutes",
                                  data={"category": "minutes", "text": "Belastningstest",
                                        "csrf_token": tokens[0]},
                                  catch_response=True) as response:
                if response.status_code != 302:
                    response.failure(f"minutes answered {response.status_code}")


class Member(Persona):
    abstract = True

    @task(3)
    def start_page(self) -> None:
        self.client.get("/start", name="/start")

    @task(5)
    def case_and_meeting(self) -> None:
        self._meeting_page(self._case_page())


class Per(Member):
    username = "per"
    weight = 2


class Kim(Member):
    username = "kim"
    weight = 2


class Lo(Member):
    username = "lo"
    weight = 1


class Maria(Persona):
    username = "maria"
    works_in_cases = False
    weight = 1

    @task
    def statistics(self) -> None:
        self.client.get("/statistics/?period=year&year=2025", name="/statistics/")


class Eva(Persona):
    username = "eva"
    works_in_cases = False
    weight = 1

    @task
    def access_log(self) -> None:
        self.client.get("/audit/", name="/audit/")


class Fred(Persona):
    username = "fred"
    weight = 1

    def on_start(self) -> None:
        super().on_start()
        self.others = ["00000000-0000-4000-8000-000000000000"]

    @task(3)
    def start_page(self) -> None:
        self.client.get("/start", name="/start")

    @task(1)
    def curious(self) -> None:
        with self.client.get(f"/cases/{_pick(self.others)}", name="/cases/[not his]",
                             catch_response=True) as response:
            if response.status_code == 404:
                response.success()
            else:
                response.failure(f"Fred got {response.status_code}")
