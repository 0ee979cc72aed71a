"""Pages of residents' requests, one module per audience: `resident` (report, my requests, the
request page every party shares), `workbench` (staff queues, bulk assign, slip, follow-ups,
category settings) and `public` (the progress board and the figures)."""
