"""Session data decoded once and kept (registry.sessions): the keeping must never change what a session says."""

from registry.sessions import SessionStore


def _stored(data):
    """The text a session row holds for `data`."""
    return SessionStore().encode(data)


def test_each_decode_is_a_copy_of_its_own_to_change():
    stored = _stored({"_auth_user_id": "7", "import_batches": [1, 2]})
    first = SessionStore().decode(stored)
    first["import_batches"].append(3)
    first["_auth_user_id"] = "8"
    assert SessionStore().decode(stored) == {"_auth_user_id": "7", "import_batches": [1, 2]}


def test_tampered_session_data_is_refused_every_time():
    stored = _stored({"_auth_user_id": "7"})
    tampered = stored[:-3] + ("AAA" if not stored.endswith("AAA") else "BBB")
    assert SessionStore().decode(tampered) == {}
    assert SessionStore().decode(tampered) == {}
    assert SessionStore().decode(stored) == {"_auth_user_id": "7"}


def test_data_kept_under_one_secret_is_not_believed_under_another(settings):
    stored = _stored({"_auth_user_id": "7"})
    assert SessionStore().decode(stored) == {"_auth_user_id": "7"}
    settings.SECRET_KEY = "a-rotated-secret-that-signed-nothing-yet"
    settings.SECRET_KEY_FALLBACKS = []
    assert SessionStore().decode(stored) == {}
