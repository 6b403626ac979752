from tests.support.emulator_log import lost_events

# As the functions emulator logged a lost publish (2026-12-04), trimmed.
LOG = """\
i  functions: Finished "us-central1-finishgeneration" in 479.869827ms
i  functions: Beginning execution of "us-central1-publishcreation"
i  Request to function failed: Error: socket hang up
>  {"severity": "INFO", "function": "finalizegeneration3", "message": "invocation usage"}
i  functions: Finished "us-central1-finalizegeneration3" in 2000.788284ms
"""


def test_a_lost_event_is_found_with_the_executions_begun_before_it():
    (lost,) = lost_events(LOG)
    assert lost.endswith("Request to function failed: Error: socket hang up")
    assert 'Beginning execution of "us-central1-publishcreation"' in lost


def test_a_log_of_finished_executions_lost_nothing():
    assert lost_events(LOG.replace("Request to function failed: Error: socket hang up", "")) == []
