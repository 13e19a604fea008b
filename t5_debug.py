import os, sys, time, subprocess, tempfile, json, statistics
from tests.support import databases
url = databases.create_postgres_database()
os.environ["DATA_DIR"]=tempfile.mkdtemp(); os.environ["SECRET_KEY"]="k"
os.environ["DATABASE_URL"]=url
os.environ["SANDBOX_DOMAIN"]="sandbox.test"
from fullstack_agent import db
db.migrate()
from tests.support.fake_k8s import FakeKubernetes
from tests.engine.conftest import make_user
from fullstack_agent.services import projects
try:
  with FakeKubernetes(namespaces=["ns-alice"]) as fake:
    t=time.perf_counter()
    for u in range(4):
        uid = make_user(fake, f"u{u}")
        with db.session_scope() as s:
            for n in range(50): projects.create_project(s, uid, f"P{n}")
    print("create", time.perf_counter()-t)
    env = {**os.environ, "MAX_SANDBOXES_PER_RECONCILE": "10", "MAX_DATABASES_PER_RECONCILE": "10", "RECONCILE_HANDLER_THREADS": "4"}
    outs=[f"/tmp/w{n}.jsonl" for n in range(4)]
    t=time.perf_counter()
    ws=[subprocess.Popen([sys.executable,"-m","tests.support.reconcile_loop","--out",o],env=env) for o in outs]
    [w.wait() for w in ws]
    print("workers", time.perf_counter()-t, len(fake.requests))
    ev=[json.loads(l) for o in outs for l in open(o)]
    by={}
    for e in ev: by.setdefault(e["name"],[]).append(e["finished"]-e["started"])
    for k,v in by.items(): print(k, len(v), round(statistics.mean(v)*1000,1), round(max(v)*1000,1))
    t0=min(e["started"] for e in ev)
    print("span", max(e["finished"] for e in ev)-t0)
    # timeline histogram per 5s
    import collections
    h=collections.Counter(int((e["started"]-t0)//5) for e in ev); print(sorted(h.items()))
    # request latency in fake
    lat=[r.finished-r.started for r in fake.requests if r.finished]
    print("req mean ms", statistics.mean(lat)*1000, max(lat)*1000)
finally:
    db.reset_engine()
    databases.drop_postgres_database(url)
