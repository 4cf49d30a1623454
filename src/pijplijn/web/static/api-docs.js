// Starts Swagger UI on /api/docs. A static file, not an inline script: the CSP forbids those.
window.addEventListener("DOMContentLoaded", function () {
  const root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.openapi,
    domNode: root,
    deepLinking: true,
    defaultModelsExpandDepth: 0,
    // No calls home: the validator badge would fetch from validator.swagger.io.
    validatorUrl: null,
  });
});
