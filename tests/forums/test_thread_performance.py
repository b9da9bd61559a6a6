"""A thread page costs a constant number of SQL queries, however many replies it has.

(What a page of a 500-reply thread costs in time is measured by benchmarks/bench_threads.py.)
"""

from __future__ import annotations


def test_thread_page_queries_do_not_grow_with_replies(client, login, factory, locality,
                                                      count_queries):
    factory.finding("perf-finding", "A finding for the cards", figure="42%")
    small = factory.thread_with_replies(locality, 10, "small")
    large = factory.thread_with_replies(locality, 500, "large")
    viewer = factory.user()
    login(viewer)
    counts = {}
    for name, url in [("small", f"/threads/{small.id}"), ("large", f"/threads/{large.id}"),
                      ("large, last page", f"/threads/{large.id}?page=11")]:
        client.get(url)  # warm caches (templates, compiled statements)
        with count_queries() as statements:
            response = client.get(url)
        assert response.status_code == 200
        counts[name] = len(statements)
    assert counts["small"] == counts["large"] == counts["large, last page"], counts
    assert counts["large"] <= 14, counts
    page = client.get(f"/threads/{large.id}").get_data(as_text=True)
    assert page.count('class="dialogue-post ') == 50  # paginated
    assert "A finding for the cards" in page and "42%" in page
