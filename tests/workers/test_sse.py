"""The SSE parser against the WHATWG rules, and its independence from chunking."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.workers.sse import SSEMessage, SSEParser


def parse(data: bytes, splits: list[int] | None = None) -> tuple[list[SSEMessage], SSEParser]:
    parser = SSEParser()
    messages: list[SSEMessage] = []
    cuts = sorted(set(splits or []))
    start = 0
    for cut in [*cuts, len(data)]:
        messages += parser.feed(data[start:cut])
        start = cut
    messages += parser.close()
    return messages, parser


def test_event_name_data_and_id() -> None:
    messages, _ = parse(b'event: worker\nid: 7\ndata: {"a": 1}\n\n')
    assert messages == [SSEMessage(data='{"a": 1}', event="worker", id="7")]


def test_default_event_name_is_message() -> None:
    messages, _ = parse(b"data: x\n\n")
    assert messages == [SSEMessage(data="x", event="message")]


def test_multi_line_data_is_joined_with_newlines() -> None:
    messages, _ = parse(b"data: one\ndata:two\ndata:  three\ndata\n\n")
    assert [m.data for m in messages] == ["one\ntwo\n three\n"]


def test_all_three_line_endings() -> None:
    messages, _ = parse(b"data: a\r\n\r\ndata: b\r\rdata: c\n\ndata: d\r\n\n")
    assert [m.data for m in messages] == ["a", "b", "c", "d"]


def test_comments_are_counted_not_dispatched() -> None:
    messages, parser = parse(b": keep-alive\n\n:\ndata: x\n: inside\n\n: keep-alive\n\n")
    assert [m.data for m in messages] == ["x"]
    assert parser.comments == 4


def test_event_without_data_is_not_dispatched_and_its_name_does_not_leak() -> None:
    messages, _ = parse(b"event: worker\n\ndata: y\n\n")
    assert messages == [SSEMessage(data="y", event="message")]


def test_id_persists_and_id_with_nul_is_ignored() -> None:
    messages, _ = parse(b"id: 1\ndata: a\n\ndata: b\n\nid: 2\x003\ndata: c\n\nid\ndata: d\n\n")
    assert [(m.data, m.id) for m in messages] == [("a", "1"), ("b", "1"), ("c", "1"), ("d", "")]


def test_retry_takes_digits_only() -> None:
    _, parser = parse(b"retry: 2500\n\nretry: 12x\n\nretry: -1\n\n")
    assert parser.retry_ms == 2500


def test_unknown_fields_and_lines_without_colon_are_ignored() -> None:
    messages, _ = parse(b"foo: bar\nnonsense\ndata: ok\nevent\n\n")
    assert messages == [SSEMessage(data="ok", event="message")]


def test_leading_bom_is_dropped_once() -> None:
    messages, _ = parse("\ufeffdata: x\n\n".encode())
    assert [m.data for m in messages] == ["x"]
    second, _ = parse("\ufeff\ufeffdata: x\n\ndata: y\n\n".encode())
    # A second BOM makes the first line's field name "\ufeffdata", an unknown field.
    assert [m.data for m in second] == ["y"]


def test_event_cut_off_by_end_of_stream_is_dropped() -> None:
    messages, _ = parse(b"data: complete\n\ndata: cut off")
    assert [m.data for m in messages] == ["complete"]
    messages, _ = parse(b"data: complete\n\ndata: cut off\n")
    assert [m.data for m in messages] == ["complete"]


def test_invalid_utf8_is_replaced_not_raised() -> None:
    messages, _ = parse(b"data: a\xffb\n\n")
    assert [m.data for m in messages] == ["a\ufffdb"]


def test_events_come_out_as_soon_as_their_blank_line_arrives() -> None:
    parser = SSEParser()
    assert parser.feed(b"data: a\n") == []
    assert parser.feed(b"\n") == [SSEMessage(data="a")]
    # A CR ends the line at once; the LF that may follow is swallowed by the next feed.
    assert parser.feed(b"data: b\r\r") == [SSEMessage(data="b")]
    assert parser.feed(b"\ndata: c\n\n") == [SSEMessage(data="c")]


# --- chunking never changes the result ------------------------------------------------

TEXT = st.text(
    alphabet=st.sampled_from(["a", "Z", " ", ":", "{", '"', "é", "€", "日", "🙂", "\x00", "\t"]),
    max_size=12,
)
LINE = st.one_of(
    st.builds(lambda v: f"data: {v}", TEXT),
    st.builds(lambda v: f"data:{v}", TEXT),
    st.builds(lambda v: f"event: {v}", TEXT),
    st.builds(lambda v: f"id: {v}", TEXT),
    st.builds(lambda v: f"retry: {v}", st.integers(0, 99999)),
    st.builds(lambda v: f": {v}", TEXT),
    st.just(""),
    TEXT,
)
ENDING = st.sampled_from(["\n", "\r", "\r\n"])


@st.composite
def sse_streams(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(st.tuples(LINE, ENDING), max_size=25))
    bom = "\ufeff" if draw(st.booleans()) else ""
    return (bom + "".join(line + ending for line, ending in lines)).encode()


def splits_of(data: bytes) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(0, len(data)), max_size=max(1, len(data)))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_chunking_does_not_change_events(data: st.DataObject) -> None:
    stream = data.draw(sse_streams())
    splits = data.draw(splits_of(stream))
    whole, whole_parser = parse(stream)
    chunked, chunked_parser = parse(stream, splits)
    assert chunked == whole
    assert chunked_parser.comments == whole_parser.comments
    assert chunked_parser.retry_ms == whole_parser.retry_ms


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_chunking_of_arbitrary_bytes_does_not_change_events(data: st.DataObject) -> None:
    stream = data.draw(st.binary(max_size=80))
    splits = data.draw(splits_of(stream))
    assert parse(stream, splits)[0] == parse(stream)[0]


@settings(max_examples=200, deadline=None)
@given(
    events=st.lists(st.tuples(st.lists(TEXT, min_size=1, max_size=3), TEXT), max_size=8),
    ending=ENDING,
    data=st.data(),
)
def test_generated_events_come_back_exactly(
    events: list[tuple[list[str], str]], ending: str, data: st.DataObject
) -> None:
    # One line ending per stream: a CR followed by an LF-ended blank line would be a CRLF.
    expected: list[SSEMessage] = []
    text = ""
    for lines, name in events:
        text += f": keep-alive{ending}"
        if name:
            text += f"event: {name}{ending}"
        text += "".join(f"data: {line}{ending}" for line in lines)
        text += ending
        expected.append(SSEMessage(data="\n".join(lines), event=name or "message"))
    stream = text.encode()
    messages, parser = parse(stream, data.draw(splits_of(stream)))
    assert messages == expected
    assert parser.comments == len(events)
