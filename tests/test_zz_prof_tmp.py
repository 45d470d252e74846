import time, cProfile, pstats
from tests.test_policy_table import build_table_world, check, TABLE, users  # noqa

def test_prof(app, users, orgs):
    with app.app_context():
        t=time.time(); world = build_table_world(users, orgs); print("build", time.time()-t)
    with app.app_context():
        pr=cProfile.Profile(); pr.enable()
        t=time.time(); m,b = check(TABLE, world, users); print("check", len(TABLE), time.time()-t)
        pr.disable(); pstats.Stats(pr).sort_stats("tottime").print_stats(15)
