def test_login_page_renders(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b"Sign in" in response.content


def test_home_requires_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_home_for_each_role(client_as):
    for role in ["manager", "frontdesk", "compliance", "admin"]:
        response = client_as(role).get("/")
        assert response.status_code == 200, role
