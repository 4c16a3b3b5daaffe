"""Git data behind pull requests: commits that delete files or hold symlinks, branches, and GitHub's git routes.

Shapes follow GitHub's REST reference:
- `GET /repos/{owner}/{repo}/git/trees/{tree_sha}` (a tree sha, a commit sha or a branch name), with
  `recursive` set to any value for the whole subtree; entries carry `path`, `mode` (`100644`, `100755`,
  `040000`, `120000` for a symlink, `160000` for a submodule), `type` (`blob`, `tree`, `commit`), `sha`,
  `size` for blobs and `url`; `truncated` is true past `RECURSIVE_TREE_LIMIT` entries (GitHub: 100,000
  entries or 7 MB).
- `GET /repos/{owner}/{repo}/git/blobs/{sha}`: base64 `content` (wrapped every 60 characters).
- `GET /repos/{owner}/{repo}/compare/{base}...{head}`: `base_commit`, `merge_base_commit`, `status`,
  `ahead_by`, `behind_by`, `total_commits`, `commits` and at most 300 `files`.
Pull request files (`pull_files`) are the three-dot diff from the merge base to the head, with exact
renames as `renamed` plus `previous_filename`, as git reports them at 100 % similarity.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from typing import Any

from .rest import REPO as REPO_PATH
from .rest import HttpError, Request, Response, not_found, route
from .rest import _repo as find_repo
from .state import Repo, State

RECURSIVE_TREE_LIMIT = 100_000
COMPARE_FILE_LIMIT = 300
SYMLINK, SUBMODULE, FILE, EXECUTABLE, TREE = "120000", "160000", "100644", "100755", "040000"

Node = dict[str, Any]  # name -> Node (a folder) or (mode, bytes) (a file, symlink target or submodule sha)


# ---- building commits ----------------------------------------------------------------------------------
def commit(
    state: State,
    repo: Repo,
    files: Mapping[str, str | bytes | None],
    *,
    parent: str | None = None,
    symlinks: Mapping[str, str] | None = None,
    submodules: Mapping[str, str] | None = None,
) -> str:
    """A commit on `parent` (or a root commit) writing `files` (None deletes), `symlinks` (path -> target)
    and `submodules` (path -> commit sha); returns its sha."""
    with state.lock:
        written = {p: t for p, t in files.items() if t is not None}
        written.update(symlinks or {})
        written.update(submodules or {})
        sha = state.commit(repo, {p: t if isinstance(t, str) else t.decode() for p, t in written.items()}, parent)
        tree = repo.commits[sha]
        for path, text in files.items():
            if text is None:
                tree.pop(path, None)
                repo.modes.get(sha, {}).pop(path, None)
            elif isinstance(text, bytes):
                tree[path] = text
        modes = repo.modes.setdefault(sha, {})
        modes.update(dict.fromkeys(symlinks or {}, SYMLINK))
        modes.update(dict.fromkeys(submodules or {}, SUBMODULE))
        return sha


def resolve(repo: Repo, ref: str) -> str | None:
    """A commit sha for a sha or a branch name, else None."""
    if ref in repo.commits:
        return ref
    return repo.branches.get(ref)


def _ancestors(repo: Repo, sha: str) -> list[str]:
    order, seen, queue = [], {sha}, [sha]
    while queue:
        current = queue.pop(0)
        order.append(current)
        for parent in repo.parents.get(current, ()):
            if parent not in seen:
                seen.add(parent)
                queue.append(parent)
    return order


def merge_base(repo: Repo, base: str, head: str) -> str | None:
    base_side = set(_ancestors(repo, base))
    return next((sha for sha in _ancestors(repo, head) if sha in base_side), None)


def _entries(repo: Repo, sha: str) -> dict[str, tuple[str, bytes]]:
    modes = repo.modes.get(sha, {})
    return {path: (modes.get(path, FILE), data) for path, data in repo.commits[sha].items()}


def blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _entry_sha(mode: str, data: bytes) -> str:
    return data.decode() if mode == SUBMODULE else blob_sha(data)


# ---- trees ----------------------------------------------------------------------------------------------
def _nest(entries: dict[str, tuple[str, bytes]]) -> Node:
    root: Node = {}
    for path, leaf in entries.items():
        *folders, name = path.split("/")
        node = root
        for folder in folders:
            node = node.setdefault(folder, {})
        node[name] = leaf
    return root


def _register(repo: Repo, node: Node) -> str:
    """The git sha of a folder (git's own tree format), registering it and its blobs for the routes."""
    body = b""
    for name in sorted(node, key=lambda n: n + "/" if isinstance(node[n], dict) else n):
        child = node[name]
        if isinstance(child, dict):
            mode, sha = "40000", _register(repo, child)
        else:
            mode, sha = child[0], _entry_sha(*child)
            if child[0] != SUBMODULE:
                repo.objects[sha] = ("blob", child[1])
        body += f"{mode} {name}".encode() + b"\0" + bytes.fromhex(sha)
    sha = hashlib.sha1(b"tree %d\0" % len(body) + body).hexdigest()
    repo.objects[sha] = ("tree", node)
    return sha


def _tree_for(repo: Repo, ref: str) -> tuple[str, Node] | None:
    found = repo.objects.get(ref)
    if found and found[0] == "tree":
        return ref, found[1]
    sha = resolve(repo, ref)
    if sha is None:
        return None
    node = _nest(_entries(repo, sha))
    return _register(repo, node), node


def _listing(repo: Repo, node: Node, prefix: str, recursive: bool, api: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for name in sorted(node):
        child, path = node[name], prefix + name
        if isinstance(child, dict):
            sha = _register(repo, child)
            rows.append({"path": path, "mode": TREE, "type": "tree", "sha": sha, "url": f"{api}/git/trees/{sha}"})
            if recursive:
                rows += _listing(repo, child, path + "/", True, api)
        elif child[0] == SUBMODULE:
            rows.append({"path": path, "mode": SUBMODULE, "type": "commit", "sha": child[1].decode()})
        else:
            sha = blob_sha(child[1])
            rows.append(
                {
                    "path": path,
                    "mode": child[0],
                    "type": "blob",
                    "sha": sha,
                    "size": len(child[1]),
                    "url": f"{api}/git/blobs/{sha}",
                }
            )
    return rows


@route("GET", REPO_PATH + "/git/trees/(?P<tree>.+)")
def get_tree(state: State, request: Request, params: dict[str, str]) -> Response:
    repo = find_repo(state, params)
    found = _tree_for(repo, params["tree"])
    if found is None:
        raise not_found()
    sha, node = found
    api = request.urls.repo(repo)
    rows = _listing(repo, node, "", "recursive" in request.query, api)
    truncated = len(rows) > RECURSIVE_TREE_LIMIT
    return Response(
        200,
        {"sha": sha, "url": f"{api}/git/trees/{sha}", "tree": rows[:RECURSIVE_TREE_LIMIT], "truncated": truncated},
    )


@route("GET", REPO_PATH + "/git/blobs/(?P<sha>[0-9a-f]{40})")
def get_blob(state: State, request: Request, params: dict[str, str]) -> Response:
    repo = find_repo(state, params)
    found = repo.objects.get(params["sha"])
    if found is None or found[0] != "blob":
        raise not_found()
    data = found[1]
    encoded = base64.b64encode(data).decode()
    return Response(
        200,
        {
            "sha": params["sha"],
            "node_id": state.node_id("B", int(params["sha"][:6], 16)),
            "size": len(data),
            "url": f"{request.urls.repo(repo)}/git/blobs/{params['sha']}",
            "content": "\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60)) + "\n",
            "encoding": "base64",
        },
    )


# ---- compare and pull request files -------------------------------------------------------------------
def diff(repo: Repo, old: str, new: str) -> list[dict[str, Any]]:
    """Files changed from commit `old` to commit `new`, as the pull request files API lists them."""
    before, after = _entries(repo, old), _entries(repo, new)
    removed = {p: leaf for p, leaf in before.items() if p not in after}
    added = {p: leaf for p, leaf in after.items() if p not in before}
    rows: dict[str, dict[str, Any]] = {}
    for path in sorted(set(before) | set(after)):
        if path in before and path in after and before[path] == after[path]:
            continue
        status = "added" if path in added else "removed" if path in removed else "modified"
        leaf = after.get(path) or before[path]
        rows[path] = {"filename": path, "status": status, "sha": _entry_sha(*leaf)}
    for new_path, leaf in added.items():
        old_path = next((p for p, old_leaf in removed.items() if old_leaf == leaf), None)
        if old_path is not None:
            del removed[old_path], rows[old_path]
            rows[new_path].update(status="renamed", previous_filename=old_path)
    return [rows[p] for p in sorted(rows)]


def pull_files(repo: Repo, base: str, head: str) -> list[dict[str, Any]]:
    """What `GET /pulls/{n}/files` lists for a pull request from `head` into `base`: the three-dot diff."""
    return diff(repo, merge_base(repo, base, head) or base, head)


def _commit_json(repo: Repo, sha: str, request: Request) -> dict[str, Any]:
    api = request.urls.repo(repo)
    tree_sha, _ = _tree_for(repo, sha) or ("", {})
    person = {"name": "octocat", "email": "octocat@github.com", "date": "2026-01-01T00:00:00Z"}
    return {
        "sha": sha,
        "node_id": f"C_{sha[:16]}",
        "url": f"{api}/commits/{sha}",
        "html_url": f"{request.urls.web}/{repo.full_name}/commit/{sha}",
        "comments_url": f"{api}/commits/{sha}/comments",
        "commit": {
            "url": f"{api}/git/commits/{sha}",
            "author": person,
            "committer": person,
            "message": "",
            "tree": {"sha": tree_sha, "url": f"{api}/git/trees/{tree_sha}"},
            "comment_count": 0,
        },
        "author": None,
        "committer": None,
        "parents": [{"sha": p, "url": f"{api}/commits/{p}"} for p in repo.parents.get(sha, ())],
    }


@route("GET", REPO_PATH + r"/compare/(?P<basehead>.+)")
def compare(state: State, request: Request, params: dict[str, str]) -> Response:
    repo = find_repo(state, params)
    base_ref, separator, head_ref = params["basehead"].partition("...")
    base, head = resolve(repo, base_ref), resolve(repo, head_ref)
    if not separator or base is None or head is None:
        raise not_found()
    common = merge_base(repo, base, head)
    if common is None:
        raise HttpError(404, f"No common ancestor between {base_ref} and {head_ref}.")
    base_side, head_side = set(_ancestors(repo, base)), _ancestors(repo, head)
    ahead = [sha for sha in head_side if sha not in base_side]
    behind = [sha for sha in _ancestors(repo, base) if sha not in set(head_side)]
    status = "identical" if base == head else "ahead" if not behind else "behind" if not ahead else "diverged"
    api = request.urls.repo(repo)
    return Response(
        200,
        {
            "url": f"{api}/compare/{params['basehead']}",
            "html_url": f"{request.urls.web}/{repo.full_name}/compare/{params['basehead']}",
            "permalink_url": f"{request.urls.web}/{repo.full_name}/compare/{base}...{head}",
            "diff_url": f"{request.urls.web}/{repo.full_name}/compare/{params['basehead']}.diff",
            "patch_url": f"{request.urls.web}/{repo.full_name}/compare/{params['basehead']}.patch",
            "base_commit": _commit_json(repo, base, request),
            "merge_base_commit": _commit_json(repo, common, request),
            "status": status,
            "ahead_by": len(ahead),
            "behind_by": len(behind),
            "total_commits": len(ahead),
            "commits": [_commit_json(repo, sha, request) for sha in reversed(ahead[:250])],
            "files": diff(repo, common, head)[:COMPARE_FILE_LIMIT],
        },
    )
