"""snippets/uploads/wrong_client_filename.py: a client-chosen name walks out of the upload folder."""


async def test_dot_dot_in_the_client_file_name_writes_outside_the_folder(tmp_path, load_snippet, asgi_client):
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    module = load_snippet("uploads/wrong_client_filename.py", UPLOAD_DIR=str(uploads))
    async with asgi_client(module.app) as client:
        response = await client.post("/uploads", files={"file": ("../escaped.txt", b"owned")})
    assert response.status_code == 200
    assert (tmp_path / "escaped.txt").read_bytes() == b"owned"  # beside the folder, not in it
    assert list(uploads.iterdir()) == []
