import { Link } from "@tanstack/react-router";
import { Empty } from "../ui/states";

export function NotFound() {
  return (
    <Empty title="No such page">
      <Link to="/" className="text-brand-600 underline">
        Back to the overview
      </Link>
    </Empty>
  );
}
