// The sign-in form: post the name and password, keep the session cookie, go on.
"use strict";
(() => {
  const form = document.getElementById("sign-in");
  const problem = document.getElementById("sign-in-problem");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    problem.hidden = true;
    const data = new FormData(form);
    let answer;
    try {
      answer = await corridor.post("/api/v1/session",
        { name: data.get("name"), password: data.get("password") });
    } catch (error) {
      problem.textContent = corridor.t("signin.unreachable");
      problem.hidden = false;
      return;
    }
    if (answer.ok) {
      window.location.assign(form.dataset.next || "/");
      return;
    }
    const body = await answer.json().catch(() => ({ message: answer.statusText }));
    problem.textContent = corridor.t("signin.failed", { message: body.message });
    problem.hidden = false;
  });
})();
