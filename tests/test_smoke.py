from tests import factories


async def test_register_and_me(client, catalogue):
    courier = await factories.active_courier(client)

    result = await client.execute("{ me { role status phoneMasked } }", token=courier.access_token)

    assert result.data["me"] == {"role": "COURIER", "status": "ACTIVE", "phoneMasked": result.data["me"]["phoneMasked"]}
