"""Walks every member of an organization with Tallyfy's own Python SDK, on request.

Usage: python walk_users.py BASE_URL ORG_ID PER_PAGE, with the token in
TALLYFY_ACCESS_TOKEN. Prints {"version": ...} once, then, for each line "walk" read
from stdin, walks every page with UserManager.get_organization_users(org, page=,
per_page=) (the SDK's paged member listing) and prints one JSON line with the walk's
wall time. Started by tallyfy-bench (figure 6); not meant to be run by hand.
"""

import json
import os
import sys
import time

import tallyfy
from tallyfy import TallyfySDK


def walk(sdk, org, per_page):
    members = pages = id_sum = 0
    page = 1
    while True:
        result = sdk.users.get_organization_users(org, page=page, per_page=per_page)
        pages += 1
        for user in result.data:
            members += 1
            id_sum += user.id
        meta = result.meta
        if meta is None or meta.current_page >= meta.total_pages:
            return members, pages, id_sum
        page += 1


def main():
    base_url, org, per_page = sys.argv[1], sys.argv[2], int(sys.argv[3])
    sdk = TallyfySDK(api_key=os.environ["TALLYFY_ACCESS_TOKEN"], base_url=base_url)
    print(json.dumps({"version": tallyfy.__version__}), flush=True)
    for line in sys.stdin:
        if line.strip() != "walk":
            continue
        started = time.perf_counter()
        members, pages, id_sum = walk(sdk, org, per_page)
        seconds = time.perf_counter() - started
        print(json.dumps({"seconds": seconds, "members": members, "pages": pages,
                          "id_sum": id_sum}), flush=True)


if __name__ == "__main__":
    main()
