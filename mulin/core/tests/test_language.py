from django.conf import settings as django_settings
from django.test import override_settings


def test_interface_is_chinese_by_default(client, db):
    assert django_settings.LANGUAGES[0][0] == "zh-hans"
    with override_settings(LANGUAGE_CODE="zh-hans"):
        response = client.get("/login/")
    body = response.content.decode()
    assert '<html lang="zh-hans"' in body
    assert "登录" in body and "Sign in" not in body


def test_browser_language_english_gets_english(client, db):
    with override_settings(LANGUAGE_CODE="zh-hans"):
        response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    body = response.content.decode()
    assert '<html lang="en"' in body and "Sign in" in body


def test_chinese_browser_maps_to_simplified_chinese(client, db):
    with override_settings(LANGUAGE_CODE="en"):
        response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert '<html lang="zh-hans"' in response.content.decode()
