from django.urls import path

from ldnclinic.website import views, views_admin

urlpatterns = [
    path("", views.public_home, name="public_home"),
    path("ldn/", views.public_ldn, name="public_ldn"),
    path("conditions/", views.public_conditions, name="public_conditions"),
    path("conditions/<slug:slug>/", views.public_condition, name="public_condition"),
    path("safety/", views.public_safety, name="public_safety"),
    path("therapies/", views.public_therapies, name="public_therapies"),
    path("therapies/<slug:slug>/", views.public_therapy, name="public_therapy"),
    path("sitemap.xml", views.public_sitemap, name="public_sitemap"),
    path("robots.txt", views.public_robots, name="public_robots"),
    path("site.css", views.site_css, name="site_css"),
    path("site/logo.png", views.site_logo, name="site_logo"),
    # The clinic admin's editor.
    path("clinic/site/", views_admin.site_pages, name="site_pages"),
    path("clinic/site/branding/", views_admin.site_branding, name="site_branding"),
    path("clinic/site/<slug:key>/", views_admin.site_page_edit, name="site_page_edit"),
]
