import sys, time, os, tempfile
sys.argv=["b","--projects","1000","--idle-rows","100"]
import bench.bench_reconciler as b
args=b._parse()
from pathlib import Path
d=Path(tempfile.mkdtemp()); b._configure(args,d,"r.db")
srv=b.FakeServerProcess()
import sqlalchemy as sa
try:
    b.create_projects(args, srv)
    from fullstack_agent import db
    from fullstack_agent.models import Project, Sandbox, Database
    from fullstack_agent.reconcile.scheduler import ReconcilerScheduler
    sch=ReconcilerScheduler(leader_election=False)
    t0=time.perf_counter(); c0=time.process_time(); s0=srv.cpu_seconds(); sch.start()
    while True:
        with db.session_scope() as s:
            st=dict(s.execute(sa.select(Project.status, sa.func.count()).group_by(Project.status)).all())
            sb=dict(s.execute(sa.select(Sandbox.status, sa.func.count()).group_by(Sandbox.status)).all())
            dbs=dict(s.execute(sa.select(Database.status, sa.func.count()).group_by(Database.status)).all())
        t=time.perf_counter()-t0
        print(f"{t:5.1f} cpu {time.process_time()-c0:5.1f} srv {srv.cpu_seconds()-s0:4.1f} load {os.getloadavg()[0]:.1f} S{ {k.value[:4]:v for k,v in sb.items()} } D{ {k.value[:4]:v for k,v in dbs.items()} }")
        if st.get("RUNNING")==args.projects: break
        time.sleep(1)
    sch.shutdown()
finally:
    srv.stop()
