// Starts Swagger UI on /api/docs with Rhythm's OpenAPI document.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
