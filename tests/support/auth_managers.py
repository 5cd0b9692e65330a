"""An auth manager with the split that FAB or Keycloak roles allow and Airflow's simple
auth manager lacks: a user who may read a DAG's runs but not its task logs.

Airflow's own SimpleAuthManager in every other respect (real tokens, real sign-in);
select it with `[core] auth_manager = tests.support.auth_managers.RunsOnlyAuthManager`.
"""

from __future__ import annotations

from typing import Any

from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
from airflow.api_fastapi.auth.managers.simple.simple_auth_manager import SimpleAuthManager

RUNS_ONLY_USER = "runsonly"
"""Signs in with the viewer role, but is refused every DAG's task logs."""


class RunsOnlyAuthManager(SimpleAuthManager):
    def is_authorized_dag(self, *, user: Any, access_entity: Any = None, **kwargs: Any) -> bool:
        if user.get_name() == RUNS_ONLY_USER and access_entity == DagAccessEntity.TASK_LOGS:
            return False
        return super().is_authorized_dag(user=user, access_entity=access_entity, **kwargs)
