import os, sys, time, tempfile
os.environ["DATA_DIR"]=tempfile.mkdtemp(); os.environ["SECRET_KEY"]="k"
os.environ["DATABASE_URL"]=f"sqlite:///{os.environ['DATA_DIR']}/t.db"
os.environ["SANDBOX_DOMAIN"]="sandbox.test"; os.environ["MAX_SANDBOXES_PER_RECONCILE"]="500"; os.environ["MAX_DATABASES_PER_RECONCILE"]="500"
from bench.bench_reconciler import FakeServerProcess, _kubeconfig
from fullstack_agent import db
db.migrate()
from fullstack_agent.models import User, ConfigSource
from fullstack_agent.services import projects, user_config
from fullstack_agent.reconcile.engine import reconcile_once
from fullstack_agent.reconcile import events
from datetime import timedelta
from fullstack_agent.models import utcnow
server = FakeServerProcess()
N=200
try:
    with db.session_scope() as s:
        u=User(name="b"); s.add(u); s.flush()
        user_config.set_value(s, u.id, "KUBECONFIG", _kubeconfig(server.url), source=ConfigSource.manual)
        for n in range(N): projects.create_project(s, u.id, f"bench {n}")
    def seq(self, evs, max_workers): return [self._run(h, e) for e in evs for h in self._handlers.get(e.name, ())]
    events.EventBus.dispatch = seq
    now = utcnow()
    import cProfile, pstats
    pr=cProfile.Profile(time.process_time); pr.enable()
    c=time.process_time()
    for i in range(5):
        now += timedelta(seconds=5)
        r=reconcile_once(now)
    pr.disable()
    print("cpu per project ms", (time.process_time()-c)/N*1000)
    st=pstats.Stats(pr); st.sort_stats("cumulative").print_stats(60)
finally:
    server.stop()
