"""The one ApplicationError → text/fields rule, and the one "each id" loop."""
import pytest

from feedback_archive.core.bulk import BulkResult, each
from feedback_archive.core.exceptions import (
    ApplicationError, ConflictError, PermissionDeniedError, error_fields, error_text,
)


def test_error_text_prefers_the_field_messages_joined():
    exc = ApplicationError("bad input", fields={"content": ["内容不能为空。"], "channel": ["未知渠道。", "已停用。"]})
    assert error_text(exc) == "内容不能为空。; 未知渠道。; 已停用。"


def test_error_text_falls_back_to_the_message():
    assert error_text(ConflictError("反馈 #3 已关闭。")) == "反馈 #3 已关闭。"
    assert error_text(ApplicationError("no fields", fields={"x": []})) == "no fields"


def test_error_text_of_other_exceptions_is_their_str():
    assert error_text(TypeError("unexpected keyword 'foo'")) == "unexpected keyword 'foo'"


def test_error_fields_keeps_fields_or_puts_the_message_under_the_key():
    fields = {"content": ["太长了。"]}
    assert error_fields(ApplicationError("x", fields=fields)) == fields
    assert error_fields(ApplicationError("没有权限。")) == {"non_field_errors": ["没有权限。"]}
    assert error_fields(ApplicationError("没有权限。"), "detail") == {"detail": ["没有权限。"]}


def test_each_collects_done_and_refused_in_order_with_reasons():
    def service(fid):
        if fid == 2:
            raise PermissionDeniedError("不是你团队的反馈。")
        if fid == 4:
            raise ApplicationError("bad", fields={"reason": ["请说明原因。"]})

    result = each([1, 2, 3, 4], service)
    assert result.done == [1, 3]
    assert result.refused == {2: "不是你团队的反馈。", 4: "请说明原因。"}
    done, refused = result  # the (done, {id: reason}) pair the services return
    assert (done, refused) == (result.done, result.refused)


def test_each_keys_objects_by_the_given_key():
    class Item:
        def __init__(self, pk):
            self.pk = pk

    def service(item):
        if item.pk == 7:
            raise ConflictError("已处理。")

    result = each([Item(5), Item(7)], service, key=lambda item: item.pk)
    assert result == BulkResult(done=[5], refused={7: "已处理。"})


def test_each_lets_bugs_through():
    def service(fid):
        raise KeyError(fid)

    with pytest.raises(KeyError):
        each([1], service)
