"""Every recorded call is a request botocore's model accepts, answered in the model's shape:
botocore's Stubber validates each answer when it is queued and each request when the stubbed
client makes it. The recordings stay what AWS could answer."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from tests.preflight.online.support import SCENARIOS, doc, stubbed_session


def method(client, operation: str) -> str:
    """The client method of an API operation (GetCallerIdentity -> get_caller_identity)."""
    names = {client.meta.method_to_api_mapping[m]: m for m in client.meta.method_to_api_mapping}
    return names[operation]


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_recorded_call_is_shaped_by_botocore_s_models(name: str) -> None:
    session = stubbed_session()
    clients, stubbers = {}, {}
    calls = doc(name)["calls"]
    for call in calls:
        service = call["service"]
        if service not in clients:
            clients[service] = session.client(service)
            stubbers[service] = Stubber(clients[service])
        client, stubber = clients[service], stubbers[service]
        operation = method(client, call["operation"])
        if "error" in call:
            stubber.add_client_error(
                operation,
                service_error_code=call["error"]["Code"],
                service_message=call["error"]["Message"],
                expected_params=call["params"],
            )
        else:  # validates the answer against the operation's output shape
            stubber.add_response(operation, call["response"], call["params"])
    for stubber in stubbers.values():
        stubber.activate()
    for call in calls:
        client = clients[call["service"]]
        try:  # validates the request against the operation's input shape
            getattr(client, method(client, call["operation"]))(**call["params"])
        except client.exceptions.ClientError:
            assert "error" in call
    for stubber in stubbers.values():
        stubber.assert_no_pending_responses()
    assert len(calls) > 25
