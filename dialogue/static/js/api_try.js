// "Try it" on the API reference: one GET with the researcher's token, answered on the
// page. The token goes in the Authorization header of this request only: it is not
// stored, not put in the address, and the form is never submitted to the server.
// The answer is shown with textContent, so nothing in it can become markup.

const form = document.getElementById("api-try");
const result = document.getElementById("api-try-result");

if (form && result) {
  form.hidden = false;
  for (const note of document.querySelectorAll(".dialogue-api-try__nojs")) note.hidden = true;

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const endpoint = String(data.get("endpoint") || "");
    const token = String(data.get("token") || "").trim();
    const query = new URLSearchParams();
    for (const [name, value] of data.entries()) {
      if (name !== "endpoint" && name !== "token" && String(value).trim() !== "") {
        query.append(name, String(value).trim());
      }
    }
    // Only this site's API: the endpoint comes from our own select, but check anyway.
    if (!endpoint.startsWith("/api/v1/")) return;
    const url = endpoint + (query.toString() ? `?${query}` : "");
    const status = document.getElementById("api-try-status");
    const shown = document.getElementById("api-try-url");
    const body = document.getElementById("api-try-body");
    result.hidden = false;
    shown.textContent = `GET ${url}`;
    if (!token) {
      status.textContent = "Enter a token first";
      body.textContent = "";
      document.getElementById("api-try-token").focus();
      return;
    }
    status.textContent = "Sending…";
    body.textContent = "";
    try {
      const response = await fetch(url, {
        headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
        credentials: "omit", // the token alone, as a script elsewhere would send it
        cache: "no-store",
      });
      const text = await response.text();
      let pretty = text;
      try {
        pretty = JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        // not JSON: show it as it came
      }
      status.textContent = `${response.status} ${response.statusText}`;
      body.textContent = pretty;
    } catch (error) {
      status.textContent = "The request did not reach the server";
      body.textContent = String(error);
    }
  });
}
