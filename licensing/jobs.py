"""What rq runs for licensing (jobs take ids, never model objects)."""
from licensing import imports


def run_import(import_id):
    """Run one licence register import; a second delivery of the job finds it taken or finished and stops."""
    return imports.run(import_id).status
