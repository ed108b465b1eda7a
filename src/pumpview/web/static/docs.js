// /docs: Swagger UI on our own schema, from the static folder; "Try it out" sends the session
// cookie and, for a POST, the page's CSRF token.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const el = document.getElementById("swagger-ui");
  SwaggerUIBundle({
    url: "/openapi.json",
    domNode: el,
    validatorUrl: null,  // never ask another site to validate the schema
    deepLinking: false,
    defaultModelsExpandDepth: -1,
    requestInterceptor: (request) => {
      request.headers["X-CSRF-Token"] = el.dataset.csrf;
      return request;
    },
    onComplete: () => { el.dataset.rendered = "true"; },
  });
});
