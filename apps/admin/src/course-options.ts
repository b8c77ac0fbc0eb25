import type { CourseStatus } from "@learnops/contracts/catalogue";
import type { SessionView } from "@learnops/contracts/me";
import { useTRPC } from "@learnops/ui/api-provider";
import { useQuery } from "@tanstack/react-query";

export interface CourseOption {
  id: string;
  title: string;
  status: CourseStatus;
}

/** The courses a person may filter by: every course for those who build them, else the published ones. */
export function useCourseOptions(session: SessionView): { options: CourseOption[]; isPending: boolean } {
  const trpc = useTRPC();
  const manages = session.permissions.includes("courses.manage");
  const all = useQuery({ ...trpc.courses.list.queryOptions({}), enabled: manages });
  const published = useQuery({ ...trpc.courses.catalogue.queryOptions({}), enabled: !manages });
  const data = manages ? all.data : published.data;
  return {
    options: (data ?? []).map((course) => ({ id: course.id, title: course.title, status: course.status })),
    isPending: manages ? all.isPending : published.isPending,
  };
}
